"""Maildir storage: durable delivery, listing, reading and removal.

Messages are stored with LF line endings, as every Maildir reader expects.
File names follow the Courier/Dovecot convention
``<secs>.M<usecs>P<pid>Q<n>.<host>,S=<size>,W=<crlf size>[:2,<flags>]``:
``S`` is the size on disk (quota), ``W`` the size with CRLF line endings (what
POP3 announces), so neither needs a ``stat()`` or a read.

Delivery is two-phase: write to ``tmp/``, fsync, rename into ``new/``, fsync the
directory. Once :meth:`Maildir.deliver` returns, the message survives a crash.
Quota usage is kept in the Maildir++ ``maildirsize`` file (see :meth:`Maildir.usage`).
"""

import itertools
import os
import re
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path

_counter = itertools.count(1)
_HOST = socket.gethostname().replace("/", "\\057").replace(":", "\\072")
# Maildir++ quota file: running totals, so that usage() needs no directory scan.
SIZE_FILE = "maildirsize"
SIZE_FILE_LIMIT = 5120  # bytes; past this the file is rebuilt from a scan (as Maildir++ says)
_SIZE_FIELDS = re.compile(r",([SW])=(\d+)")
# The last total read from each maildirsize, with the file's inode, size and mtime then:
# a message is checked against its quota at RCPT and twice at delivery.
_usage_read: dict[Path, tuple[tuple[int, int, int], int]] = {}
_USECS = re.compile(r"M(\d+)")


def maildir_path(mail_root: Path, domain: str, local_part: str) -> Path:
    """Where the mailbox ``local_part@domain`` lives under ``mail_root``."""
    if "/" in domain or "/" in local_part or domain.startswith(".") or local_part.startswith("."):
        raise ValueError("unsafe mailbox name")
    return Path(mail_root) / domain / local_part


def to_lf(data: bytes) -> bytes:
    """SMTP's CRLF line endings to the LF that Maildir files use."""
    return data.replace(b"\r\n", b"\n")


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (fsync the directory itself)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class StoredMessage:
    """One message in a Maildir, as a POP3 or web mail listing needs it."""

    uid: str  # the unique part of the name, stable across renames
    path: Path
    size: int  # bytes on disk
    crlf_size: int  # bytes as sent over POP3

    @classmethod
    def from_path(cls, path: Path) -> "StoredMessage":
        name = path.name
        uid = name.split(":", 1)[0]
        fields = dict(_SIZE_FIELDS.findall(uid))
        if "S" in fields and "W" in fields:
            size, crlf_size = int(fields["S"]), int(fields["W"])
        else:  # written by another program: measure it once
            data = path.read_bytes()
            size, crlf_size = len(data), len(data) + data.count(b"\n") - data.count(b"\r\n")
        return cls(uid=uid, path=path, size=size, crlf_size=crlf_size)


class Maildir:
    def __init__(self, path: Path):
        self.path = Path(path)

    def ensure(self) -> None:
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(mode=0o700, parents=True, exist_ok=True)

    def _unique_name(self, size: int, crlf_size: int) -> str:
        now = time.time()
        secs, usecs = int(now), int((now % 1) * 1_000_000)
        return f"{secs}.M{usecs}P{os.getpid()}Q{next(_counter)}.{_HOST},S={size},W={crlf_size}"

    def deliver(self, data: bytes) -> StoredMessage:
        """Store ``data`` (LF line endings) durably; returns the stored message."""
        self.ensure()
        crlf_size = len(data) + data.count(b"\n") - data.count(b"\r\n")
        name = self._unique_name(len(data), crlf_size)
        tmp = self.path / "tmp" / name
        final = self.path / "new" / name
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        os.close(fd)
        os.rename(tmp, final)
        fsync_dir(final.parent)
        self._record(len(data), 1)
        return StoredMessage(uid=name, path=final, size=len(data), crlf_size=crlf_size)

    def _entries(self, sub: str):
        try:
            with os.scandir(self.path / sub) as it:
                return [e for e in it if not e.name.startswith(".") and e.is_file()]
        except FileNotFoundError:
            return []

    def usage(self) -> int:
        """Bytes used by the messages in ``new/`` and ``cur/``.

        Read from the Maildir++ ``maildirsize`` file: a header line, then one
        ``<bytes> <count>`` line per change, appended by :meth:`deliver` and
        :meth:`remove`. Summing a few lines costs the same for 10 messages as
        for 100,000. The file is rebuilt from a scan of the folders when it is
        missing, unreadable or has grown past ``SIZE_FILE_LIMIT`` bytes, which
        also corrects any drift (a crash between a write and its record, or
        another program writing to the Maildir).
        """
        path = self.path / SIZE_FILE
        try:
            with open(path, "rb") as source:
                stat = os.fstat(source.fileno())
                # Every change appends a line or replaces the file (a new inode): while
                # inode and size are those of the last reading, so is the total.
                version = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
                known = _usage_read.get(path)
                if known is not None and known[0] == version:
                    return known[1]
                text = source.read(SIZE_FILE_LIMIT + 1)
        except FileNotFoundError:
            return self._recount()
        if len(text) > SIZE_FILE_LIMIT:
            return self._recount()
        try:
            total = sum(int(line.split()[0]) for line in text.splitlines()[1:] if line.strip())
        except (ValueError, IndexError):
            return self._recount()
        total = max(total, 0)
        if len(_usage_read) >= 10_000:
            _usage_read.clear()
        _usage_read[path] = (version, total)
        return total

    def _scan_usage(self) -> tuple[int, int]:
        total = count = 0
        for sub in ("new", "cur"):
            for entry in self._entries(sub):
                fields = dict(_SIZE_FIELDS.findall(entry.name.split(":", 1)[0]))
                if "S" in fields:
                    total += int(fields["S"])
                else:
                    try:
                        total += entry.stat().st_size
                    except FileNotFoundError:
                        continue
                count += 1
        return total, count

    def _recount(self) -> int:
        """Scan the folders and write a fresh ``maildirsize`` (written aside, renamed in)."""
        total, count = self._scan_usage()
        if not (self.path / "tmp").is_dir():
            return total  # no Maildir yet: nothing to record
        tmp = self.path / "tmp" / f"{SIZE_FILE}.{os.getpid()}.{next(_counter)}"
        tmp.write_bytes(f"0S\n{total} {count}\n".encode())
        os.rename(tmp, self.path / SIZE_FILE)
        return total

    def _record(self, size: int, count: int) -> None:
        """Append one change to ``maildirsize``; without the file the next usage() scans."""
        try:
            fd = os.open(self.path / SIZE_FILE, os.O_WRONLY | os.O_APPEND)
        except FileNotFoundError:
            return
        try:
            os.write(fd, f"{size} {count}\n".encode())
        finally:
            os.close(fd)

    def claim_new(self) -> None:
        """Move messages from ``new/`` to ``cur/`` (they have been seen by a reader).

        Renamed by name relative to the two folders (no Path per message, no path
        walk in the kernel): POP3 logins claim thousands at once.
        """
        entries = self._entries("new")
        if not entries:
            return
        try:
            new = os.open(self.path / "new", os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            return
        try:
            cur = os.open(self.path / "cur", os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            os.close(new)
            return
        try:
            moved = False
            for entry in entries:
                try:
                    os.rename(entry.name, f"{entry.name}:2,", src_dir_fd=new, dst_dir_fd=cur)
                    moved = True
                except FileNotFoundError:
                    pass
            if moved:
                os.fsync(cur)
        finally:
            os.close(new)
            os.close(cur)

    def messages(self) -> list[StoredMessage]:
        """Every message in ``cur/`` and ``new/``, oldest first."""
        found = []
        for sub in ("cur", "new"):
            folder = self.path / sub  # folder / name: a third cheaper than Path(full path)
            for entry in self._entries(sub):
                try:
                    found.append(StoredMessage.from_path(folder / entry.name))
                except FileNotFoundError:
                    pass

        def arrival(message: StoredMessage):
            # <secs>.M<usecs>...: compare the microseconds as numbers, not as text.
            secs, _, rest = message.uid.partition(".")
            usecs = _USECS.match(rest)
            return (int(secs) if secs.isdigit() else 0, int(usecs[1]) if usecs else 0, rest)

        found.sort(key=arrival)
        return found

    def remove(self, messages: list[StoredMessage]) -> None:
        """Delete messages and make the deletion durable."""
        dirs, freed, removed = set(), 0, 0
        for message in messages:
            path = os.fspath(message.path)
            try:
                os.unlink(path)
            except FileNotFoundError:
                continue
            dirs.add(os.path.dirname(path))
            freed += message.size
            removed += 1
        for directory in dirs:
            fsync_dir(directory)
        if removed:
            self._record(-freed, -removed)

    def move_to(self, destination: Path) -> None:
        """Move the whole Maildir aside (account deletion); nothing is copied."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            os.rename(self.path, destination)
            fsync_dir(destination.parent)


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
