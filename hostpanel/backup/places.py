"""Putting restored folders in place: all of them, or none of them."""

import os
import shutil
import stat
import tempfile
from pathlib import Path


class Place:
    """A destination folder and the staging folder that will replace it.

    The staging folder is next to the destination (same file system), so that
    putting it in place is a rename. A destination that is a mount point (a
    Docker volume) cannot be renamed: the staging folder is then inside it and
    its entries are moved one by one.
    """

    def __init__(self, destination: Path):
        self.destination = destination
        self.mounted = destination.is_dir() and os.path.ismount(destination)
        parent = destination if self.mounted else destination.parent
        parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.restore-", dir=parent))
        self.old: Path | None = None
        self._owner = owner_of(destination if destination.exists() else parent)
        if not self.mounted:  # it becomes the destination: same owner and mode
            self.chown(self.staging)
            if destination.is_dir():
                os.chmod(self.staging, stat.S_IMODE(destination.stat().st_mode))

    def chown(self, path: Path) -> None:
        if self._owner is not None:
            os.chown(path, *self._owner, follow_symlinks=False)

    def swap(self) -> None:
        parent = self.destination if self.mounted else self.destination.parent
        self.old = Path(tempfile.mkdtemp(prefix=f".{self.destination.name}.old-", dir=parent))
        if not self.mounted:
            if self.destination.exists():
                os.rename(self.destination, self.old / "tree")
            os.rename(self.staging, self.destination)
            return
        for entry in list(self.destination.iterdir()):
            if entry not in (self.staging, self.old):
                os.rename(entry, self.old / entry.name)
        for entry in list(self.staging.iterdir()):
            os.rename(entry, self.destination / entry.name)
        self.staging.rmdir()

    def undo(self) -> None:
        """Put the previous contents back (after a failure past :meth:`swap`)."""
        if self.old is None:
            return
        if not self.mounted:
            if self.destination.exists():
                os.rename(self.destination, self.staging)
            if (self.old / "tree").exists():
                os.rename(self.old / "tree", self.destination)
        else:
            self.staging.mkdir(exist_ok=True)
            for entry in list(self.destination.iterdir()):
                if entry not in (self.staging, self.old):
                    os.rename(entry, self.staging / entry.name)
            for entry in list(self.old.iterdir()):
                os.rename(entry, self.destination / entry.name)
        self.old.rmdir()
        self.old = None

    def discard_old(self) -> None:
        if self.old is not None:
            shutil.rmtree(self.old, ignore_errors=True)
            self.old = None

    def discard_staging(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def owner_of(path: Path) -> tuple[int, int] | None:
    """When run as root, files restored belong to whoever owns the folder they go to."""
    if os.geteuid() != 0:
        return None
    info = path.stat()
    return None if (info.st_uid, info.st_gid) == (0, 0) else (info.st_uid, info.st_gid)

