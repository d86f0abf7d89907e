"""The file trees a backup holds, read while the SMTP and POP3 servers go on writing.

Each tree is a folder from the settings, stored in the archive under its name
(``mail/example.com/jane/cur/...``). Files are read whole (a Maildir message is
never changed once written; the other files are written aside and renamed in), so
a file is either in the backup complete or not at all.

Maildirs: ``tmp/`` holds messages not yet delivered and is skipped. A message is
renamed from ``new/`` to ``cur/`` (and within ``cur/`` when its flags change) while
we run: ``new/`` is listed before ``cur/``, and a file gone between its listing and
its reading is looked for under its unique name (the part before ``:``) in ``new/``
and ``cur/``. Only a message really deleted is missing. So every message delivered
before the backup started, and not deleted since, is in it.
"""

import errno
import fnmatch
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings

# Files of a Maildir that are rebuilt or recreated by the servers themselves.
_MAILDIR_SKIP = {"tmp", "pop3.lock", "maildirsize"}
DELETED_FOLDER = ".deleted"  # deleted accounts' Maildirs, kept for the grace period
_RELOCATE_ATTEMPTS = 5


@dataclass(frozen=True)
class Tree:
    name: str  # the first path component of its members in the archive
    setting: str  # the setting that says where it lives
    skip: tuple[str, ...] = ()  # patterns of relative paths left out (one per depth)
    skip_names: tuple[str, ...] = ()  # patterns of file names left out, at any depth

    @property
    def root(self) -> Path:
        return Path(getattr(settings, self.setting))

    def skips(self, parts: tuple[str, ...]) -> bool:
        if parts[-1].startswith(".") and parts[-1].endswith(".tmp"):
            return True  # a file being written aside (spam models)
        if any(fnmatch.fnmatchcase(parts[-1], pattern) for pattern in self.skip_names):
            return True
        for pattern in self.skip:
            pattern_parts = pattern.split("/")
            if len(pattern_parts) == len(parts) and all(
                fnmatch.fnmatchcase(part, want)
                for part, want in zip(parts, pattern_parts, strict=True)
            ):
                return True
        return False


# write_durably() puts a file being written in <folder>/../tmp: spool/tmp,
# quarantine/tmp and lists/<domain>/<list>/tmp.
TREES = (
    Tree("mail", "HOSTPANEL_MAIL_ROOT"),
    Tree("spool", "HOSTPANEL_SPOOL", skip=("tmp",)),
    Tree("quarantine", "HOSTPANEL_QUARANTINE", skip=("tmp",)),
    Tree("lists", "HOSTPANEL_LISTS", skip=("*/*/tmp",)),
    Tree("spam", "HOSTPANEL_SPAM_MODELS", skip_names=("*.lock",)),  # learners' lock files
)
TREE_NAMES = frozenset(tree.name for tree in TREES)


@dataclass(frozen=True)
class File:
    """One file read for the archive: its path below the tree root, contents, mtime."""

    relative: PurePosixPath
    data: bytes
    mtime: float


# Called with a file's path just before it is opened (tests rename or delete it there).
BeforeOpen = Callable[[Path], None] | None


def _read(path: Path, before_open: BeforeOpen) -> tuple[bytes, float]:
    """The file's bytes and mtime; FileNotFoundError when it is gone, IsADirectoryError
    for anything but a regular file (opened without blocking: a FIFO never stalls us)."""
    if before_open is not None:
        before_open(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ELOOP:  # a symbolic link: not followed, not backed up
            raise IsADirectoryError(str(path)) from None
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise IsADirectoryError(str(path))
        return handle.read(), info.st_mtime


def _names(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        return []


def walk(tree: Tree, before_open: BeforeOpen = None) -> Iterator[File]:
    """Every file of the tree to back up, in a stable order."""
    root = tree.root
    if tree.name == "mail":
        yield from _mail(root, before_open)
    else:
        yield from _plain(tree, root, (), before_open)


def _plain(tree: Tree, folder: Path, parts: tuple[str, ...],
           before_open: BeforeOpen) -> Iterator[File]:
    for entry in _names(folder):
        here = (*parts, entry.name)
        if tree.skips(here):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _plain(tree, Path(entry.path), here, before_open)
                continue
            if not entry.is_file(follow_symlinks=False):
                continue  # links, sockets, devices: never part of hostpanel's state
            data, mtime = _read(Path(entry.path), before_open)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            continue  # removed (or replaced) since the listing: its work is done
        yield File(PurePosixPath(*here), data, mtime)


def _mail(root: Path, before_open: BeforeOpen) -> Iterator[File]:
    """<root>/<domain>/<account>/ Maildirs; deleted accounts' ones (.deleted/) last.

    An account deleted during the backup has its Maildir moved to .deleted/: reading
    that folder last finds it there when it was gone from its domain's folder.
    """
    entries = _names(root)
    deleted = [entry for entry in entries if entry.name == DELETED_FOLDER]
    for entry in [e for e in entries if e.name != DELETED_FOLDER] + deleted:
        if not entry.is_dir(follow_symlinks=False):
            yield from _single(root, (entry.name,), before_open)
            continue
        depth = 2 if entry.name == DELETED_FOLDER else 1
        yield from _mailboxes(Path(entry.path), (entry.name,), depth, before_open)


def _mailboxes(folder: Path, parts: tuple[str, ...], depth: int,
               before_open: BeforeOpen) -> Iterator[File]:
    for entry in _names(folder):
        here = (*parts, entry.name)
        if not entry.is_dir(follow_symlinks=False):
            yield from _single(folder, here, before_open)
        elif depth > 1:
            yield from _mailboxes(Path(entry.path), here, depth - 1, before_open)
        else:
            yield from _maildir(Path(entry.path), here, before_open)


def _single(folder: Path, parts: tuple[str, ...], before_open: BeforeOpen) -> Iterator[File]:
    path = folder / parts[-1]
    if path.is_symlink() or not path.is_file():
        return
    try:
        data, mtime = _read(path, before_open)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return
    yield File(PurePosixPath(*parts), data, mtime)


def _maildir(folder: Path, parts: tuple[str, ...], before_open: BeforeOpen) -> Iterator[File]:
    """One Maildir: new/ then cur/ (see the module's docstring), then anything else in it."""
    seen: set[str] = set()
    for sub in ("new", "cur"):
        for entry in _names(folder / sub):
            uid = entry.name.split(":", 1)[0]
            if entry.name.startswith(".") or uid in seen:
                continue
            found = _read_message(folder, Path(entry.path), uid, before_open)
            if found is None:
                continue  # deleted by a POP3 client since the listing
            path, data, mtime = found
            seen.add(uid)
            yield File(PurePosixPath(*parts, path.parent.name, path.name), data, mtime)
    for entry in _names(folder):
        if entry.name in _MAILDIR_SKIP or entry.name in ("new", "cur"):
            continue
        here = (*parts, entry.name)
        if entry.is_dir(follow_symlinks=False):
            if (Path(entry.path) / "cur").is_dir() or (Path(entry.path) / "new").is_dir():
                yield from _maildir(Path(entry.path), here, before_open)  # a Maildir++ folder
            else:
                yield from _subfolder(Path(entry.path), here, before_open)
        else:
            yield from _single(folder, here, before_open)


def _subfolder(folder: Path, parts: tuple[str, ...], before_open: BeforeOpen) -> Iterator[File]:
    for entry in _names(folder):
        here = (*parts, entry.name)
        if entry.is_dir(follow_symlinks=False):
            yield from _subfolder(Path(entry.path), here, before_open)
        else:
            yield from _single(folder, here, before_open)


def _read_message(maildir: Path, path: Path, uid: str,
                  before_open: BeforeOpen) -> tuple[Path, bytes, float] | None:
    """Read a message listed at ``path``, following it when it was renamed since."""
    hook = before_open
    for _attempt in range(_RELOCATE_ATTEMPTS):
        try:
            data, mtime = _read(path, hook)
            return path, data, mtime
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            hook = None  # the hook sees each listed file once
            moved = _locate(maildir, uid)
            if moved is None:
                return None
            path = moved
    return None


def _locate(maildir: Path, uid: str) -> Path | None:
    """Where the message with this unique name is now (``cur/`` first: it moves there)."""
    for sub in ("cur", "new"):
        for entry in _names(maildir / sub):
            if entry.name.split(":", 1)[0] == uid:
                return Path(entry.path)
    return None


def has_mail(mail_root: Path) -> bool:
    """Whether any Maildir under ``mail_root`` holds a message."""
    for folder, _dirs, files in os.walk(mail_root):
        if Path(folder).name in ("new", "cur") and files:
            return True
    return False
