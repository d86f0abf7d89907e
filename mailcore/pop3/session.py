"""The POP3 protocol engine: one Session per connection, no I/O of its own.

The server feeds it command lines and writes back the :class:`Reply` it gets.
:meth:`Session.respond` answers at once whatever needs neither the disk nor a
password check (most commands, and RETR of a message already read ahead); for
the others it returns a coroutine that gives the reply, which the server runs as
a task. :meth:`Session.handle` is the same as one coroutine. Policy and disk
come from outside: ``authenticate`` (an async callable,
:meth:`mailcore.auth.Authenticator.verify`) and ``open_maildrop`` (an async
callable returning a locked :class:`~mailcore.pop3.maildrop.Maildrop`).
Maildrop reads and removals are run in worker threads.

States (RFC 1939): AUTHORIZATION until a login succeeds and the maildrop is
locked, then TRANSACTION; QUIT there enters UPDATE, the only place where
messages marked with DELE are removed. A connection that drops or times out
never reaches UPDATE, so it deletes nothing.

Plain-text logins (USER/PASS, AUTH PLAIN) are allowed on any connection by
default, as most hosting customers still configure clients that way; with
``require_tls`` they are allowed only after STLS, or from loopback, and are
then neither offered in CAPA nor accepted before TLS (``-ERR [AUTH]``).
"""

import asyncio
import base64
import binascii
import functools
import hashlib
import ipaddress
import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from mailcore.addresses import AddressError, parse_login
from mailcore.auth import TooManyFailures
from mailcore.pop3.maildrop import MaildropLocked
from mailcore.pop3.wire import multiline, wire_message

log = logging.getLogger(__name__)

AUTHORIZATION = "AUTHORIZATION"
TRANSACTION = "TRANSACTION"
UPDATE = "UPDATE"

_NUMBER = re.compile(r"[0-9]{1,9}")
# Read-ahead for RETR and TOP: one trip to a worker thread reads the asked message and
# the small ones after it, so that fetching 2,000 messages does not cost 2,000 trips.
READ_AHEAD_COUNT = 32
READ_AHEAD_MESSAGE = 64 * 1024  # a larger message is never read ahead, and stops it
READ_AHEAD_BYTES = 128 * 1024  # at most this much is held per session


class Reply(NamedTuple):
    data: bytes
    close: bool = False  # close the connection once this is sent
    start_tls: bool = False  # start TLS once this is sent, then call tls_started()


def ok(text: str = "", body: bytes = b"", **flags) -> Reply:
    line = f"+OK {text}".rstrip() + "\r\n"
    return Reply(line.encode() + body, **flags)


def err(text: str, **flags) -> Reply:
    return Reply(f"-ERR {text}\r\n".encode(), **flags)


# What Session.respond() returns: the reply, or a coroutine to await for it.
Answer = Reply | Coroutine[Any, Any, Reply]
# What a command returns: the reply, or the coroutine function that gives it (called
# only when awaited, so that a task cancelled before its start leaves nothing behind).
_Answer = Reply | Callable[[], Coroutine[Any, Any, Reply]]


@dataclass
class SessionStats:
    """What the server logs when the connection ends."""

    client_ip: str | None
    login: str = ""
    tls: bool = False
    retrieved: int = 0
    deleted: int = 0
    outcome: str = "dropped"


class _Refused(Exception):
    """A command cannot be carried out: the text goes to the client after -ERR."""


@dataclass
class _Drop:
    """The snapshot of the maildrop taken at login, and what is marked deleted."""

    maildrop: object
    messages: list = field(default_factory=list)
    deleted: set[int] = field(default_factory=set)
    # Stored bytes of the messages after the last one read, read in the same thread trip
    # (clients fetch in order): number -> bytes, each used once.
    ahead: dict[int, bytes] = field(default_factory=dict)

    def following(self, number: int) -> list:
        """The messages to read ahead after ``number``: small ones, not deleted, in order."""
        chosen, total = [], 0
        for later in range(number + 1, min(number + READ_AHEAD_COUNT, len(self.messages)) + 1):
            message = self.messages[later - 1]
            if message.size > READ_AHEAD_MESSAGE or total + message.size > READ_AHEAD_BYTES:
                break
            if later not in self.deleted:
                chosen.append((later, message))
                total += message.size
        return chosen

    def live(self):
        return [(n, m) for n, m in enumerate(self.messages, 1) if n not in self.deleted]

    def octets(self) -> int:
        return sum(m.crlf_size for _, m in self.live())


class Session:
    def __init__(
        self,
        *,
        authenticate,
        open_maildrop,
        hostname: str,
        client_ip: str | None,
        tls_available: bool = False,
        require_tls: bool = False,
    ):
        self._authenticate = authenticate
        self._open_maildrop = open_maildrop
        self.hostname = hostname
        self.client_ip = client_ip
        self.tls_available = tls_available
        self.require_tls = require_tls
        self.state = AUTHORIZATION
        self.tls = False
        self.stats = SessionStats(client_ip=client_ip)
        self._user: str | None = None
        self._sasl_pending = False
        self._drop: _Drop | None = None
        self._loopback = _is_loopback(client_ip)

    def greeting(self) -> bytes:
        return ok(f"{self.hostname} POP3 server ready").data

    @property
    def plaintext_login_allowed(self) -> bool:
        return self.tls or not self.require_tls or self._loopback

    def respond(self, line: bytes) -> Answer:
        """The reply to one command line (with or without its CRLF), or a coroutine for it.

        A coroutine comes back when the command needs the disk or a password check; the
        caller awaits it before it passes the next line. It changes nothing before it
        runs: one cancelled before its start leaves the session as it was.
        """
        text = line.rstrip(b"\r\n").decode("utf-8", "replace")
        try:
            if self._sasl_pending:
                self._sasl_pending = False
                answer = self._sasl_response(text)
            else:
                keyword, _, argument = text.partition(" ")
                answer = self._dispatch(keyword.upper(), argument)
        except Exception as error:
            return self._failed(error)
        return answer if isinstance(answer, Reply) else self._guarded(answer)

    async def handle(self, line: bytes) -> Reply:
        """:meth:`respond` as one coroutine."""
        answer = self.respond(line)
        return answer if isinstance(answer, Reply) else await answer

    async def _guarded(self, later: Callable[[], Coroutine[Any, Any, Reply]]) -> Reply:
        try:
            return await later()
        except Exception as error:
            return self._failed(error)

    def _failed(self, error: Exception) -> Reply:
        if isinstance(error, _Refused):
            return err(str(error))
        log.error("POP3 command failed for %s", self.stats.login or self.client_ip,
                  exc_info=error)
        return err("[SYS/TEMP] internal server error")

    def line_too_long(self) -> Reply:
        self._sasl_pending = False
        return err("line too long")

    def tls_started(self) -> None:
        """TLS is up: forget everything said before it (RFC 2595)."""
        self.tls = self.stats.tls = True
        self._user = None

    def abort(self) -> None:
        """The connection ended without QUIT: release the maildrop, delete nothing."""
        if self._drop is not None:
            self._drop.maildrop.close()
            self._drop = None

    def _dispatch(self, keyword: str, argument: str) -> _Answer:
        command = _COMMANDS[self.state].get(keyword)
        if command is not None:
            return command(self, argument)
        if any(keyword in commands for commands in _COMMANDS.values()):
            return err(f"{keyword} is not valid in the {self.state} state")
        return err("unknown command")

    # AUTHORIZATION state.

    def _cmd_capa(self, argument: str) -> Reply:
        lines = ["TOP"]
        if self.state == AUTHORIZATION and self.plaintext_login_allowed:
            lines.append("USER")
        lines += ["UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]
        if self.state == AUTHORIZATION:
            if self.plaintext_login_allowed:
                lines.append("SASL PLAIN")
            if self.tls_available and not self.tls:
                lines.append("STLS")
        lines.append("IMPLEMENTATION hostpanel")
        return ok("Capability list follows", multiline("\n".join(lines).encode()))

    def _cmd_stls(self, argument: str) -> Reply:
        if self.tls:
            return err("TLS is already active")
        if not self.tls_available:
            return err("STLS is not available here")
        return ok("Begin TLS negotiation", start_tls=True)

    def _require_plaintext_allowed(self) -> None:
        if not self.plaintext_login_allowed:
            raise _Refused("[AUTH] log in only after STLS (TLS is required here)")

    def _cmd_user(self, argument: str) -> Reply:
        self._require_plaintext_allowed()
        login = argument.strip()
        if not login:
            return err("USER needs a login such as jane@example.com")
        self._user = login
        return ok("send PASS")

    def _cmd_pass(self, argument: str) -> _Answer:
        if self._user is None:
            return err("send USER first")
        login, self._user = self._user, None
        # RFC 1939: the password is the rest of the line, spaces included.
        return functools.partial(self._login, login, argument)

    def _cmd_auth(self, argument: str) -> _Answer:
        mechanism, _, initial = argument.strip().partition(" ")
        if not mechanism:
            listed = b"PLAIN\n" if self.plaintext_login_allowed else b""
            return ok("SASL mechanisms follow", multiline(listed))
        if mechanism.upper() != "PLAIN":
            return err(f"unsupported SASL mechanism {mechanism[:20]}")
        self._require_plaintext_allowed()
        if not initial:
            self._sasl_pending = True
            return Reply(b"+ \r\n")
        return self._sasl_response("" if initial.strip() == "=" else initial)

    def _sasl_response(self, response: str) -> _Answer:
        if response.strip() == "*":
            return err("authentication cancelled")
        try:
            decoded = base64.b64decode(response.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return err("[AUTH] invalid base64 in the PLAIN response")
        parts = decoded.split("\0")
        if len(parts) != 3 or not parts[1]:
            return err("[AUTH] a PLAIN response is authzid NUL login NUL password")
        authzid, login, password = parts
        if authzid and not _same_login(authzid, login):
            return err("[AUTH] logging in as another user is not allowed")
        return functools.partial(self._login, login, password)

    async def _login(self, login: str, password: str) -> Reply:
        try:
            mailbox = await self._authenticate(login, password, self.client_ip)
        except TooManyFailures:
            return err("[SYS/TEMP] too many failed logins, try later")
        if mailbox is None:
            return err("[AUTH] invalid login or password")
        try:
            maildrop = await self._open_maildrop(mailbox)
        except MaildropLocked:
            log.info("POP3 maildrop of %s in use, refused %s", mailbox.address, self.client_ip)
            return err("[IN-USE] maildrop already locked by another session")
        self._drop = _Drop(maildrop, list(maildrop.messages))
        self.state = TRANSACTION
        self.stats.login = mailbox.address
        count, octets = len(self._drop.messages), self._drop.octets()
        return ok(f"{mailbox.address} has {count} messages ({octets} octets)")

    # TRANSACTION state.

    def _message(self, argument: str):
        """``(number, message)`` for a message-number argument that is not deleted."""
        argument = argument.strip()
        if not _NUMBER.fullmatch(argument):
            raise _Refused("a message number is required")
        number = int(argument)
        if not 1 <= number <= len(self._drop.messages):
            raise _Refused(f"no message {number}")
        if number in self._drop.deleted:
            raise _Refused(f"message {number} already deleted")
        return number, self._drop.messages[number - 1]

    def _cmd_stat(self, argument: str) -> Reply:
        return ok(f"{len(self._drop.live())} {self._drop.octets()}")

    def _cmd_list(self, argument: str) -> Reply:
        if argument.strip():
            number, message = self._message(argument)
            return ok(f"{number} {message.crlf_size}")
        live = self._drop.live()
        listing = "".join([f"{n} {m.crlf_size}\n" for n, m in live])
        summary = f"{len(live)} messages ({sum(m.crlf_size for _, m in live)} octets)"
        return ok(summary, multiline(listing.encode()))

    def _cmd_uidl(self, argument: str) -> Reply:
        if argument.strip():
            number, message = self._message(argument)
            return ok(f"{number} {pop3_uid(message.uid)}")
        listing = "".join([f"{n} {pop3_uid(m.uid)}\n" for n, m in self._drop.live()])
        return ok("unique-id listing follows", multiline(listing.encode()))

    def _send_message(self, number: int, message, body_lines: int | None) -> _Answer:
        stored = self._drop.ahead.pop(number, None)
        if stored is None:
            return functools.partial(self._read_and_send, number, message, body_lines)
        # Read ahead, so small (READ_AHEAD_MESSAGE): rendered on the loop, in a few µs.
        if body_lines is None:
            self.stats.retrieved += 1
        return ok(f"{message.crlf_size} octets", wire_message(stored, body_lines))

    async def _read_and_send(self, number: int, message, body_lines: int | None) -> Reply:
        """Read the message asked for, and the small ones after it, in one thread trip.

        (Measured on 2,000 messages of 4 KB: reading the next ones in the background
        while the client takes these, or reading small messages on the loop, were no
        faster; the first cost more context switches, for the GIL.)
        """
        drop = self._drop
        following = drop.following(number)

        def render() -> tuple[bytes, dict[int, bytes]]:
            data = wire_message(drop.maildrop.read(message), body_lines)
            ahead = {}
            for later, other in following:
                try:
                    ahead[later] = drop.maildrop.read(other)
                except OSError:
                    break  # read when asked for, and answered then
            return data, ahead

        try:
            data, drop.ahead = await asyncio.to_thread(render)
        except FileNotFoundError:
            return err(f"message {number} is no longer available")
        if body_lines is None:
            self.stats.retrieved += 1
        return ok(f"{message.crlf_size} octets", data)

    def _cmd_retr(self, argument: str) -> _Answer:
        number, message = self._message(argument)
        return self._send_message(number, message, None)

    def _cmd_top(self, argument: str) -> _Answer:
        number_text, _, lines_text = argument.strip().partition(" ")
        lines_text = lines_text.strip()
        if not _NUMBER.fullmatch(lines_text):
            return err("TOP needs a message number and a number of lines")
        number, message = self._message(number_text)
        return self._send_message(number, message, int(lines_text))

    def _cmd_dele(self, argument: str) -> Reply:
        number, _message = self._message(argument)
        self._drop.deleted.add(number)
        return ok(f"message {number} deleted")

    def _cmd_rset(self, argument: str) -> Reply:
        self._drop.deleted.clear()
        count, octets = len(self._drop.messages), self._drop.octets()
        return ok(f"maildrop has {count} messages ({octets} octets)")

    def _cmd_noop(self, argument: str) -> Reply:
        return ok()

    def _cmd_quit(self, argument: str) -> _Answer:
        self.stats.outcome = "quit"
        if self.state == AUTHORIZATION:
            return ok(f"{self.hostname} POP3 server signing off", close=True)
        if not self._drop.deleted:
            return self._update()
        return self._update_on_disk

    def _update(self, removed: int = 0) -> Reply:
        """UPDATE without deletions, or after them: release the maildrop, say goodbye."""
        self.state = UPDATE
        drop, self._drop = self._drop, None
        drop.maildrop.close()
        self.stats.deleted = removed
        left = len(drop.messages) - len(drop.deleted)
        return ok(f"{self.hostname} POP3 server signing off ({left} messages left)", close=True)

    async def _update_on_disk(self) -> Reply:
        """UPDATE: remove what DELE marked (durably, in a thread), then :meth:`_update`.

        The maildrop stays locked until the removal is over, so that the next session
        never sees a half-removed snapshot; +OK is said only once it is done.
        """
        drop = self._drop
        self.state = UPDATE
        doomed = [drop.messages[n - 1] for n in sorted(drop.deleted)]
        try:
            removed = await asyncio.to_thread(drop.maildrop.remove, doomed)
        except OSError:
            log.exception("POP3 could not remove messages of %s", self.stats.login)
            self.stats.outcome = "quit, removal failed"
            self._drop = None
            drop.maildrop.close()
            return err("[SYS/TEMP] some deleted messages were not removed", close=True)
        except BaseException:
            self._drop = None
            drop.maildrop.close()
            raise
        return self._update(removed)


_COMMANDS = {
    AUTHORIZATION: {"CAPA": Session._cmd_capa, "STLS": Session._cmd_stls,
                    "USER": Session._cmd_user, "PASS": Session._cmd_pass,
                    "AUTH": Session._cmd_auth, "QUIT": Session._cmd_quit},
    TRANSACTION: {"CAPA": Session._cmd_capa, "STAT": Session._cmd_stat,
                  "LIST": Session._cmd_list, "UIDL": Session._cmd_uidl,
                  "RETR": Session._cmd_retr, "TOP": Session._cmd_top,
                  "DELE": Session._cmd_dele, "RSET": Session._cmd_rset,
                  "NOOP": Session._cmd_noop, "QUIT": Session._cmd_quit},
    UPDATE: {},
}


def pop3_uid(uid: str) -> str:
    """The Maildir unique name as a POP3 unique-id (1-70 printable ASCII, RFC 1939).

    Our own names always fit; a longer or odd name (another program's, a long
    host name) is replaced by a digest of itself, which is just as stable.
    """
    # Printable ASCII without the space is 0x21-0x7E (three C-speed checks, not a loop).
    if 0 < len(uid) <= 70 and uid.isascii() and uid.isprintable() and " " not in uid:
        return uid
    return hashlib.sha256(uid.encode("utf-8", "surrogateescape")).hexdigest()[:64]


def _same_login(first: str, second: str) -> bool:
    try:
        return parse_login(first) == parse_login(second)
    except AddressError:
        return first.lower() == second.lower()


def _is_loopback(client_ip: str | None) -> bool:
    try:
        return ipaddress.ip_address((client_ip or "").split("%", 1)[0]).is_loopback
    except ValueError:
        return False
