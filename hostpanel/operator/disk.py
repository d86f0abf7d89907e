"""Disk use of the product's folders, and free space of the filesystems they are on.

Sizes come from an ``os.scandir`` walk bounded in time (a huge mail root gives
"at least" a figure rather than a slow page), kept in the cache for five
minutes. Free space is asked of each filesystem every time (it is one call).
"""

import hashlib
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

WALK_BUDGET = 2.0  # seconds all folder walks together may take
CACHE_SECONDS = 300
LOW_FREE = 0.10  # warn under 10% free


@dataclass(frozen=True)
class FolderSize:
    bytes: int
    files: int
    complete: bool  # False: the walk ran out of time, the figures are a minimum
    exists: bool = True


@dataclass(frozen=True)
class Folder:
    key: str
    name: str
    path: Path
    size: FolderSize | None  # None: the walk did not finish in time


@dataclass
class Filesystem:
    total: int
    used: int
    free: int
    folders: list[str] = field(default_factory=list)

    @property
    def free_percent(self) -> float:
        return 100.0 * self.free / self.total if self.total else 0.0

    @property
    def used_percent(self) -> float:
        return 100.0 - self.free_percent

    @property
    def low(self) -> bool:
        return self.free_percent < LOW_FREE * 100


def folders() -> list[tuple[str, str, Path]]:
    return [
        ("mail", _("Mail root"), Path(settings.HOSTPANEL_MAIL_ROOT)),
        ("spool", _("Outbound spool"), Path(settings.HOSTPANEL_SPOOL)),
        ("quarantine", _("Quarantine"), Path(settings.HOSTPANEL_QUARANTINE)),
        ("lists", _("Mailing lists"), Path(settings.HOSTPANEL_LISTS)),
    ]


def walk(path: Path, deadline: float) -> FolderSize:
    """Bytes and files under ``path`` (symbolic links not followed), until ``deadline``."""
    if not path.is_dir():
        return FolderSize(0, 0, True, exists=False)
    total = files = 0
    stack = [str(path)]
    while stack:
        if time.monotonic() > deadline:
            return FolderSize(total, files, False)
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            total += entry.stat(follow_symlinks=False).st_size
                            files += 1
                    except OSError:  # removed while we walk (a delivered message moved)
                        continue
        except OSError:
            continue
    return FolderSize(total, files, True)


def _cache_key(paths: list[Path]) -> str:
    digest = hashlib.sha256("\0".join(map(str, paths)).encode()).hexdigest()[:32]
    return f"hostpanel:operator:folder-sizes:{digest}"


def folder_sizes(budget: float | None = None) -> dict[str, FolderSize]:
    """Sizes of every folder, from the cache when a walk of the same folders is recent."""
    paths = [path for *_, path in folders()]
    key = _cache_key(paths)
    cached = cache.get(key)
    if cached is not None:
        return cached
    deadline = time.monotonic() + (WALK_BUDGET if budget is None else budget)
    sizes = {str(path): walk(path, deadline) for path in paths}
    cache.set(key, sizes, CACHE_SECONDS)
    return sizes


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def filesystems() -> list[Filesystem]:
    """One entry per filesystem holding any of the folders, with the folders' names."""
    found: dict[int, Filesystem] = {}
    for _key, name, path in folders():
        path = _existing(path)
        try:
            device = path.stat().st_dev
            if device not in found:
                usage = shutil.disk_usage(path)
                found[device] = Filesystem(usage.total, usage.used, usage.free)
        except OSError:
            continue
        found[device].folders.append(name)
    return list(found.values())


def report(sizes: dict[str, FolderSize] | None) -> list[Folder]:
    """The folders with their sizes (None for each when the walk did not finish)."""
    return [Folder(key, name, path, (sizes or {}).get(str(path)))
            for key, name, path in folders()]
