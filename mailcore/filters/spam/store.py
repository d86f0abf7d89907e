"""Where the classifier's models live, and keeping the loaded ones fresh.

``<folder>/base.model`` is the operator's model (``manage.py spam learn``);
``<folder>/domains/<domain>.model`` holds what a domain's users taught it. A
server keeps the loaded models and looks at their files' modification times at
most every :data:`RECHECK_SECONDS`, so a model learned elsewhere (the panel, a
command) is picked up without a restart. Learning takes a lock file, so two
learners never lose each other's update.
"""

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from mailcore.filters.spam.bayes import Bayes, Layered

log = logging.getLogger("mailcore.spam")

RECHECK_SECONDS = 5.0


def base_path(folder: Path) -> Path:
    return Path(folder) / "base.model"


def domain_path(folder: Path, domain: str) -> Path:
    name = domain.strip().lower()
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"not a domain name: {domain!r}")
    return Path(folder) / "domains" / f"{name}.model"


def _load(path: Path) -> Bayes:
    """The model in ``path``; an empty one when there is none or it cannot be read."""
    if not path.exists():
        return Bayes()
    try:
        return Bayes.load(path)
    except (OSError, ValueError) as error:
        log.error("spam model %s not used: %s", path, error)
        return Bayes()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


class ModelStore:
    """Loaded models, shared by a server's threads."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._loaded: dict[Path, tuple[float, float, Bayes]] = {}  # path -> (mtime, checked, model)

    def _get(self, path: Path) -> Bayes:
        now = time.monotonic()
        with self._lock:
            entry = self._loaded.get(path)
            if entry and now - entry[1] < RECHECK_SECONDS:
                return entry[2]
        mtime = _mtime(path)
        model = entry[2] if entry and entry[0] == mtime else _load(path)
        with self._lock:
            self._loaded[path] = (mtime, now, model)
        return model

    def base_model(self) -> Bayes:
        return self._get(base_path(self.folder))

    def model_for(self, domain: str) -> Layered:
        return Layered(self._get(base_path(self.folder)),
                       self._get(domain_path(self.folder, domain)))


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_suffix(".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def update(folder: Path, domain: str | None, change: Callable[[Bayes], int]) -> int:
    """Apply ``change`` to the domain's model (the base model when ``domain`` is None).

    Under the model's lock file: load, change, save atomically. Returns what
    ``change`` returned (how many messages it learned).
    """
    path = domain_path(folder, domain) if domain else base_path(folder)
    with _locked(path):
        model = Bayes.load(path) if path.exists() else Bayes()
        count = change(model)
        model.save(path)
    return count
