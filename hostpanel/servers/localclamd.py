"""A clamd for ``make run``, when the machine has one and virus definitions to give it.

Debian's ``clamav-daemon`` puts clamd in /usr/sbin and freshclam keeps the
definitions in /var/lib/clamav. When both are there and HOSTPANEL_CLAMD is not
set, ``startall`` runs a clamd of its own on 127.0.0.1 (config under
HOSTPANEL_HOME/clamav) and points the mail servers at it. Without definitions
clamd cannot start, and mail is accepted unscanned, as the panel's banner says.
"""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

CLAMD = "clamd"
DEFINITION_SUFFIXES = {".cvd", ".cld", ".cud", ".ndb", ".hdb", ".hsb", ".ldb", ".cdb", ".mdb"}


@dataclass(frozen=True)
class LocalClamd:
    command: str  # the Procfile line
    address: str  # what HOSTPANEL_CLAMD becomes
    config: Path


def _executable() -> str | None:
    return shutil.which(CLAMD, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))


def has_definitions(folder: Path) -> bool:
    try:
        return any(entry.suffix in DEFINITION_SUFFIXES for entry in Path(folder).iterdir())
    except OSError:
        return False


def why_not() -> str | None:
    """Why no local clamd is started, or None when one is."""
    if settings.HOSTPANEL_CLAMD:
        return "HOSTPANEL_CLAMD is set"
    if not settings.HOSTPANEL_LOCAL_CLAMD:
        return "HOSTPANEL_LOCAL_CLAMD is off"
    if _executable() is None:
        return "clamd is not installed (Debian: apt-get install clamav-daemon)"
    if not has_definitions(settings.HOSTPANEL_CLAMAV_DATABASE):
        return (f"no virus definitions in {settings.HOSTPANEL_CLAMAV_DATABASE} "
                "(run freshclam once)")
    return None


def prepare() -> LocalClamd | None:
    """Write the local clamd's config and return how to run it, or None (see :func:`why_not`)."""
    if why_not():
        return None
    folder = Path(settings.HOSTPANEL_HOME) / "clamav"
    folder.mkdir(parents=True, exist_ok=True)
    port = settings.HOSTPANEL_LOCAL_CLAMD_PORT
    limit = settings.HOSTPANEL_MESSAGE_SIZE_LIMIT + 1024 * 1024
    lines = [
        "Foreground yes",
        "TCPAddr 127.0.0.1",
        f"TCPSocket {port}",
        f"DatabaseDirectory {settings.HOSTPANEL_CLAMAV_DATABASE}",
        f"PidFile {folder / 'clamd.pid'}",
        f"StreamMaxLength {limit}",
        "SelfCheck 3600",
        "LogTime yes",
    ]
    config = folder / "clamd.conf"
    config.write_text("\n".join(lines) + "\n")
    return LocalClamd(command=f"exec {_executable()} -c {config}",
                      address=f"127.0.0.1:{port}", config=config)
