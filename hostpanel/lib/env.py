"""Typed readers for settings taken from the environment.

Every reader also accepts ``NAME_FILE``: the value is then read from that file
(surrounding white space removed), which is how container secrets are usually handed
over. Setting both ``NAME`` and ``NAME_FILE``, or a file that cannot be read, is an error.
"""

import os
from pathlib import Path


def _raw(name: str) -> str | None:
    path = os.environ.get(f"{name}_FILE")
    if path:
        if os.environ.get(name):
            raise ValueError(f"Both {name} and {name}_FILE are set: set only one of them.")
        try:
            return Path(path).read_text().strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise ValueError(f"{name}_FILE: cannot read {path} ({reason}).") from None
    return os.environ.get(name)


def env_str(name: str, default: str = "", *, empty_allowed: bool = False) -> str:
    """The value, or ``default`` when unset or empty (set but empty is kept when
    ``empty_allowed``: ``NAME=`` then turns a default off)."""
    value = _raw(name)
    if value is None or (value == "" and not empty_allowed):
        return default
    return value


def env_int(name: str, default: int) -> int:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {value!r}") from None


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = _raw(name)
    if value is None or value.strip() == "":
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    value = _raw(name)
    return Path(value).expanduser().resolve() if value else default


def secret_from_file(path: Path) -> str:
    """A development secret kept under HOSTPANEL_HOME, created on first use.

    Several processes may start at once: the file is written aside and linked
    into place, so each of them reads the same complete value.
    """
    import secrets
    import tempfile

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(50))
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
