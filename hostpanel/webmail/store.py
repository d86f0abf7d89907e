"""One Maildir as the web mail sees it: summaries for the list, flags, look-up by key.

Model-free (plain paths and bytes). A message's *key* is the unique part of its
file name (before ``:2,``), stable when its flags change. A key from a request
is never joined to a path: it is only compared with the names actually listed
in the mailbox's own ``new/`` and ``cur/``, so ``../``, absolute paths and other
folders can never name a file.

The list reads only the header block of each file (at most ``HEADER_LIMIT``
bytes) and keeps each message's summary in a bounded in-process cache: a
Maildir file never changes once delivered, only its name does when its flags do.
"""

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from mailcore.maildir import Maildir, StoredMessage, fsync_dir
from mailcore.routing.facts import _text

HEADER_LIMIT = 64 * 1024  # bytes of a file read for its header, at most
CHUNK = 8192
MAX_KEY = 255
SORTS = ("date", "from", "subject", "size")
ORDERS = ("asc", "desc")
_ATTACHMENT_TYPES = ("multipart/mixed", "multipart/report", "application/")


@dataclass(frozen=True)
class Summary:
    """What the message list shows of one message."""

    key: str
    sender: str  # display name, else address
    sender_address: str
    subject: str
    date: datetime | None  # the Date header (arrival time when missing or broken)
    size: int
    unread: bool
    attachment: bool
    original_to: str = ""  # X-Original-To: the recipient a spam account's copy was for


def read_header(stream, limit: int = HEADER_LIMIT) -> bytes:
    """The header block read from ``stream`` in chunks: never more than ``limit`` bytes."""
    data = b""
    while len(data) < limit:
        chunk = stream.read(min(CHUNK, limit - len(data)))
        if not chunk:
            break
        start = max(len(data) - 3, 0)
        data += chunk
        for marker in (b"\n\n", b"\r\n\r\n"):
            end = data.find(marker, start)
            if end >= 0:
                return data[: end + len(marker)]
    return data


def _flags(path: Path) -> str:
    name = path.name
    return name.split(":2,", 1)[1] if ":2," in name else ""


def is_unread(path: Path) -> bool:
    """In ``new/``, or in ``cur/`` without the Seen flag (Maildir's ``S``)."""
    return path.parent.name == "new" or "S" not in _flags(path)


def _arrival(uid: str) -> datetime:
    secs = uid.partition(".")[0]
    return datetime.fromtimestamp(int(secs) if secs.isdigit() else 0, UTC)


def parse_summary(key: str, header: bytes, size: int, unread: bool) -> Summary:
    parsed = BytesHeaderParser(policy=compat32).parsebytes(header)
    senders = getaddresses([_text(value) for value in parsed.get_all("From", [])])
    name, address = senders[0] if senders else ("", "")
    try:
        date = parsedate_to_datetime(_text(parsed.get("Date", "")))
        if date.tzinfo is None:
            date = date.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError):
        date = _arrival(key)
    content_type = _text(parsed.get("Content-Type", "text/plain")).lower()
    disposition = _text(parsed.get("Content-Disposition", "")).lower()
    return Summary(
        key=key, sender=name or address, sender_address=address,
        subject=_text(parsed.get("Subject", "")), date=date, size=size, unread=unread,
        attachment=content_type.startswith(_ATTACHMENT_TYPES) or disposition.startswith("attach"),
        original_to=_text(parsed.get("X-Original-To", "")).strip("<> "),
    )


class _Cache:
    """Summaries by (Maildir, key), at most ``size`` of them, least recently used dropped."""

    def __init__(self, size: int = 50_000):
        self.size = size
        self.items: OrderedDict[tuple[str, str], Summary] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key, summary: Summary) -> None:
        with self.lock:
            self.items[key] = summary
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_summaries = _Cache()


def valid_key(key: str) -> bool:
    """A key that could be a Maildir name of ours: no path, no NUL, not hidden, not too long."""
    return (isinstance(key, str) and 0 < len(key) <= MAX_KEY and "/" not in key
            and "\\" not in key and "\x00" not in key and not key.startswith(".")
            and ":" not in key)


class Mailbox:
    """The messages of one Maildir for reading, flagging and deleting."""

    def __init__(self, path: Path, only: frozenset[str] | None = None):
        """``only``: the keys this view of the Maildir may show (None: all of them)."""
        self.maildir = Maildir(Path(path))
        self.only = only

    @property
    def path(self) -> Path:
        return self.maildir.path

    def messages(self) -> list[StoredMessage]:
        found = self.maildir.messages()
        if self.only is not None:
            found = [message for message in found if message.uid in self.only]
        return found

    def find(self, key: str) -> StoredMessage | None:
        """The message named ``key`` in this Maildir's ``new/`` or ``cur/``, or None."""
        if not valid_key(key) or (self.only is not None and key not in self.only):
            return None
        for sub in ("new", "cur"):
            try:
                with os.scandir(self.path / sub) as entries:
                    for entry in entries:
                        if entry.name.split(":", 1)[0] == key and entry.is_file():
                            return StoredMessage.from_path(Path(entry.path))
            except FileNotFoundError:
                continue
        return None

    def summary(self, message: StoredMessage) -> Summary:
        cache_key = (str(self.path), message.uid)
        unread = is_unread(message.path)
        cached = _summaries.get(cache_key)
        if cached is None:
            with open(message.path, "rb") as stream:
                header = read_header(stream)
            cached = parse_summary(message.uid, header, message.size, unread)
            _summaries.put(cache_key, cached)
        return cached if cached.unread == unread else replace(cached, unread=unread)

    def summaries(self, sort: str = "date", order: str = "desc") -> list[Summary]:
        """Every message's summary, sorted (unknown sorts and orders: newest first)."""
        if sort not in SORTS:
            sort = "date"
        if order not in ORDERS:
            order = "desc"
        found = []
        for message in self.messages():
            try:
                found.append(self.summary(message))
            except FileNotFoundError:  # deleted meanwhile (POP3, another tab)
                continue
        keys = {
            "date": lambda s: (s.date, s.key),
            "from": lambda s: (s.sender.casefold(), s.date, s.key),
            "subject": lambda s: (s.subject.casefold(), s.date, s.key),
            "size": lambda s: (s.size, s.date, s.key),
        }
        found.sort(key=keys[sort], reverse=order == "desc")
        return found

    def read(self, message: StoredMessage) -> bytes:
        """The stored bytes; found again by its key when another reader renamed it meanwhile.

        Raises FileNotFoundError when it is gone.
        """
        try:
            return message.path.read_bytes()
        except FileNotFoundError:
            again = self.find(message.uid)
            if again is None:
                raise
            return again.path.read_bytes()

    def mark_seen(self, message: StoredMessage) -> StoredMessage:
        """Give the message Maildir's Seen flag (moving it from ``new/`` to ``cur/``)."""
        flags = _flags(message.path)
        if message.path.parent.name == "cur" and "S" in flags:
            return message
        flags = "".join(sorted(set(flags + "S")))
        target = self.path / "cur" / f"{message.uid}:2,{flags}"
        try:
            os.rename(message.path, target)
        except FileNotFoundError:
            return message
        fsync_dir(target.parent)
        return replace(message, path=target)

    def remove(self, messages: list[StoredMessage]) -> None:
        self.maildir.remove(messages)

