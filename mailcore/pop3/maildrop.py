"""A POP3 maildrop: one Maildir, locked for one session, seen as a snapshot.

Everything here touches the disk: the session calls it from worker threads.

The lock is ``flock(LOCK_EX | LOCK_NB)`` on ``<maildir>/pop3.lock``: it works
between processes (several pop3d behind a load balancer on one disk), between
sessions of one process (each session opens the file itself), and the kernel
releases it when a process dies, so a crash never leaves a maildrop locked.
"""

import dataclasses
import fcntl
import os
from pathlib import Path

from mailcore.maildir import Maildir, StoredMessage

LOCK_NAME = "pop3.lock"


def _read_file(path) -> bytes:
    """A whole file, as Path.read_bytes() but without a file object: for the small
    messages POP3 clients fetch by the thousand, that saves a few µs each."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)  # less than asked for: the end of the file
        if len(data) > size:  # it has grown meanwhile
            chunks = [data]
            while chunk := os.read(fd, 1024 * 1024):
                chunks.append(chunk)
            data = b"".join(chunks)
        return data
    finally:
        os.close(fd)


def _names_in(folder: str) -> set[str]:
    try:
        return set(os.listdir(folder))
    except FileNotFoundError:
        return set()


class MaildropLocked(Exception):
    """Another session holds this maildrop."""


class Maildrop:
    def __init__(self, maildir: Maildir, lock_fd: int, messages: list[StoredMessage]):
        self.maildir = maildir
        self.messages = messages
        self._lock_fd: int | None = lock_fd

    @classmethod
    def open(cls, path: Path) -> "Maildrop":
        """Lock the Maildir, move new mail to ``cur/`` and take the snapshot.

        Raises MaildropLocked when another session has it.
        """
        maildir = Maildir(path)
        maildir.ensure()
        fd = os.open(maildir.path / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise MaildropLocked(str(path)) from None
            maildir.claim_new()
            messages = maildir.messages()
        except BaseException:
            os.close(fd)
            raise
        return cls(maildir, fd, messages)

    def read(self, message: StoredMessage) -> bytes:
        """The stored bytes; raises FileNotFoundError if the message is gone.

        Another Maildir reader may have renamed it (new flags after ``:2,``):
        it is then found again by its unique name.
        """
        try:
            return _read_file(message.path)
        except FileNotFoundError:
            path = self._locate({message.uid}).get(message.uid)
            if path is None:
                raise
            return _read_file(path)

    def remove(self, messages: list[StoredMessage]) -> int:
        """Delete messages (durably); returns how many were still there."""
        # One listing per folder rather than a stat() per message (2,000 at a QUIT).
        listed: dict[str, set[str]] = {}
        present, missing = [], []
        for message in messages:
            folder, name = os.path.split(message.path)
            if folder not in listed:
                listed[folder] = _names_in(folder)
            (present if name in listed[folder] else missing).append(message)
        moved = self._locate({m.uid for m in missing})
        present += [dataclasses.replace(m, path=moved[m.uid]) for m in missing if m.uid in moved]
        self.maildir.remove(present)
        return len(present)

    def _locate(self, uids: set[str]) -> dict[str, Path]:
        """Where messages with these unique names are now, by file name only."""
        found: dict[str, Path] = {}
        if not uids:
            return found
        for sub in ("cur", "new"):
            try:
                with os.scandir(self.maildir.path / sub) as entries:
                    for entry in entries:
                        uid = entry.name.split(":", 1)[0]
                        if uid in uids:
                            found[uid] = Path(entry.path)
            except FileNotFoundError:
                pass
        return found

    def close(self) -> None:
        """Release the lock (nothing is deleted: that is :meth:`remove`'s job)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
