"""The POP3 protocol engine: one Session per connection, no I/O of its own.

The server feeds it command lines (:meth:`Session.handle`) and writes back the
:class:`Reply` it returns. Policy and disk come from outside: ``authenticate``
(an async callable, :meth:`mailcore.auth.Authenticator.verify`) and
``open_maildrop`` (an async callable returning a locked
:class:`~mailcore.pop3.maildrop.Maildrop`). Maildrop reads and removals are run
in worker threads.

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
import hashlib
import ipaddress
import logging
import re
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Reply:
    data: bytes
    close: bool = False  # close the connection once this is sent
    start_tls: bool = False  # start TLS once this is sent, then call tls_started()


def ok(text: str = "", body: bytes = b"", **flags) -> Reply:
    line = f"+OK {text}".rstrip() + "\r\n"
    return Reply(line.encode() + body, **flags)


def err(text: str, **flags) -> Reply:
    return Reply(f"-ERR {text}\r\n".encode(), **flags)


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

    async def handle(self, line: bytes) -> Reply:
        """The reply to one command line (with or without its CRLF)."""
        text = line.rstrip(b"\r\n").decode("utf-8", "replace")
        try:
            if self._sasl_pending:
                self._sasl_pending = False
                return await self._sasl_response(text)
            keyword, _, argument = text.partition(" ")
            return await self._dispatch(keyword.upper(), argument)
        except _Refused as refusal:
            return err(str(refusal))
        except Exception:
            log.exception("POP3 command failed for %s", self.stats.login or self.client_ip)
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

    async def _dispatch(self, keyword: str, argument: str) -> Reply:
        if keyword in _COMMANDS[self.state]:
            return await getattr(self, f"_cmd_{keyword.lower()}")(argument)
        if any(keyword in commands for commands in _COMMANDS.values()):
            return err(f"{keyword} is not valid in the {self.state} state")
        return err("unknown command")

    # AUTHORIZATION state.

    async def _cmd_capa(self, argument: str) -> Reply:
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

    async def _cmd_stls(self, argument: str) -> Reply:
        if self.tls:
            return err("TLS is already active")
        if not self.tls_available:
            return err("STLS is not available here")
        return ok("Begin TLS negotiation", start_tls=True)

    def _require_plaintext_allowed(self) -> None:
        if not self.plaintext_login_allowed:
            raise _Refused("[AUTH] log in only after STLS (TLS is required here)")

    async def _cmd_user(self, argument: str) -> Reply:
        self._require_plaintext_allowed()
        login = argument.strip()
        if not login:
            return err("USER needs a login such as jane@example.com")
        self._user = login
        return ok("send PASS")

    async def _cmd_pass(self, argument: str) -> Reply:
        if self._user is None:
            return err("send USER first")
        login, self._user = self._user, None
        # RFC 1939: the password is the rest of the line, spaces included.
        return await self._login(login, argument)

    async def _cmd_auth(self, argument: str) -> Reply:
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
        return await self._sasl_response("" if initial.strip() == "=" else initial)

    async def _sasl_response(self, response: str) -> Reply:
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
        return await self._login(login, password)

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

    async def _cmd_stat(self, argument: str) -> Reply:
        return ok(f"{len(self._drop.live())} {self._drop.octets()}")

    async def _cmd_list(self, argument: str) -> Reply:
        if argument.strip():
            number, message = self._message(argument)
            return ok(f"{number} {message.crlf_size}")
        listing = "".join(f"{n} {m.crlf_size}\n" for n, m in self._drop.live())
        summary = f"{len(self._drop.live())} messages ({self._drop.octets()} octets)"
        return ok(summary, multiline(listing.encode()))

    async def _cmd_uidl(self, argument: str) -> Reply:
        if argument.strip():
            number, message = self._message(argument)
            return ok(f"{number} {pop3_uid(message.uid)}")
        listing = "".join(f"{n} {pop3_uid(m.uid)}\n" for n, m in self._drop.live())
        return ok("unique-id listing follows", multiline(listing.encode()))

    async def _send_message(self, number: int, message, body_lines: int | None) -> Reply:
        drop = self._drop
        stored = drop.ahead.pop(number, None)
        if stored is not None:  # small (READ_AHEAD_MESSAGE): rendered on the loop
            return ok(f"{message.crlf_size} octets", wire_message(stored, body_lines))
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
        return ok(f"{message.crlf_size} octets", data)

    async def _cmd_retr(self, argument: str) -> Reply:
        number, message = self._message(argument)
        reply = await self._send_message(number, message, None)
        if reply.data.startswith(b"+OK"):
            self.stats.retrieved += 1
        return reply

    async def _cmd_top(self, argument: str) -> Reply:
        number_text, _, lines_text = argument.strip().partition(" ")
        lines_text = lines_text.strip()
        if not _NUMBER.fullmatch(lines_text):
            return err("TOP needs a message number and a number of lines")
        number, message = self._message(number_text)
        return await self._send_message(number, message, int(lines_text))

    async def _cmd_dele(self, argument: str) -> Reply:
        number, _message = self._message(argument)
        self._drop.deleted.add(number)
        return ok(f"message {number} deleted")

    async def _cmd_rset(self, argument: str) -> Reply:
        self._drop.deleted.clear()
        count, octets = len(self._drop.messages), self._drop.octets()
        return ok(f"maildrop has {count} messages ({octets} octets)")

    async def _cmd_noop(self, argument: str) -> Reply:
        return ok()

    async def _cmd_quit(self, argument: str) -> Reply:
        self.stats.outcome = "quit"
        if self.state == AUTHORIZATION:
            return ok(f"{self.hostname} POP3 server signing off", close=True)
        self.state = UPDATE
        drop, self._drop = self._drop, None
        doomed = [drop.messages[n - 1] for n in sorted(drop.deleted)]
        try:
            if doomed:
                self.stats.deleted = await asyncio.to_thread(drop.maildrop.remove, doomed)
        except OSError:
            log.exception("POP3 could not remove messages of %s", self.stats.login)
            self.stats.outcome = "quit, removal failed"
            return err("[SYS/TEMP] some deleted messages were not removed", close=True)
        finally:
            drop.maildrop.close()
        left = len(drop.messages) - len(doomed)
        return ok(f"{self.hostname} POP3 server signing off ({left} messages left)", close=True)


_COMMANDS = {
    AUTHORIZATION: {"CAPA", "STLS", "USER", "PASS", "AUTH", "QUIT"},
    TRANSACTION: {"CAPA", "STAT", "LIST", "UIDL", "RETR", "TOP", "DELE", "RSET", "NOOP", "QUIT"},
    UPDATE: set(),
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
