"""A clamd client on asyncio streams: INSTREAM scans, VERSION, RELOAD, PING.

clamd listens on TCP (``host:port``) or a Unix socket (a path). Commands use
the ``z`` form (NUL-terminated). A scan streams the message in chunks, each
prefixed with its 4-byte big-endian length, and ends with a zero length;
clamd answers ``stream: OK``, ``stream: <name> FOUND`` or ``... ERROR``.

Scans go through clamd sessions (``IDSESSION``: each answer prefixed with its
command's number) kept open between messages, a few per event loop and scanner,
instead of a new connection per message. A kept session that clamd has closed
meanwhile (its ``IdleTimeout``, a restart) costs one retry on a new one.

:func:`scan` never raises: a scanner that cannot be reached, times out or
answers an error gives an ``unavailable`` verdict, and the caller refuses the
message temporarily (it is never accepted unscanned).
"""

import asyncio
import logging
import struct
import time
import weakref
from dataclasses import dataclass, field

log = logging.getLogger("mailcore.filters")

CLEAN = "clean"
INFECTED = "infected"
UNAVAILABLE = "unavailable"
CHUNK = 64 * 1024
MAX_REPLY = 64 * 1024
IDLE_SESSIONS = 8  # sessions kept open per event loop and scanner
SESSION_IDLE_SECONDS = 10.0  # dropped before clamd's IdleTimeout (30 s by default) does


@dataclass(frozen=True)
class Verdict:
    status: str  # CLEAN, INFECTED or UNAVAILABLE
    virus: str = ""  # the signature's name when INFECTED
    reason: str = ""  # why the scan could not be done when UNAVAILABLE
    scanner: str = ""  # 'ClamAV 1.4.6/27000/...' when known

    @property
    def clean(self) -> bool:
        return self.status == CLEAN

    @property
    def infected(self) -> bool:
        return self.status == INFECTED


class ClamdError(Exception):
    """clamd could not be reached or gave an answer we cannot use."""


def parse_address(address: str) -> tuple[str, int] | str:
    """``host:port`` -> ``(host, port)``; anything with a ``/`` is a Unix socket path."""
    if "/" in address:
        return address
    host, colon, port = address.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"clamd address must be host:port or a socket path: {address!r}")
    return host.strip("[]"), int(port)


@dataclass
class _Session:
    """An open ``IDSESSION`` connection: commands are numbered from 1."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    commands: int = 0
    idle_since: float = field(default_factory=time.monotonic)

    async def instream(self, body: bytes) -> str:
        self.commands += 1
        await _send(self.writer, b"INSTREAM", body)
        answer = await _answer(self.reader)
        number, colon, text = answer.partition(": ")
        if not colon or number != str(self.commands):
            raise ClamdError(f"clamd said {answer!r} to command {self.commands}")
        return text

    def close(self) -> None:
        self.writer.close()


# Idle sessions per event loop (streams belong to one) and scanner address.
_idle: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def _send(writer: asyncio.StreamWriter, command: bytes, body: bytes | None) -> None:
    writer.write(b"z" + command + b"\0")
    if body is not None:
        for start in range(0, len(body), CHUNK):
            chunk = body[start:start + CHUNK]
            writer.write(struct.pack(">I", len(chunk)) + chunk)
            await writer.drain()
        writer.write(struct.pack(">I", 0))
    await writer.drain()


async def _answer(reader: asyncio.StreamReader) -> str:
    try:
        answer = await reader.readuntil(b"\0")
    except asyncio.LimitOverrunError as error:
        raise ClamdError("answer too long") from error
    except asyncio.IncompleteReadError as error:
        raise ClamdError("connection closed before an answer") from error
    return answer[:-1].decode("utf-8", "replace").strip()


class Clamd:
    """One clamd daemon: scans in kept sessions, other commands on a connection each."""

    def __init__(self, address: str, timeout: float = 30.0):
        self.address = parse_address(address)
        self.timeout = timeout

    async def _open(self):
        if isinstance(self.address, str):
            return await asyncio.open_unix_connection(self.address)
        return await asyncio.open_connection(*self.address)

    async def _exchange(self, command: bytes, body: bytes | None = None) -> str:
        async def run() -> str:
            reader, writer = await self._open()
            try:
                await _send(writer, command, body)
                return await _answer(reader)
            finally:
                writer.close()

        return await self._within_timeout(run())

    async def _within_timeout(self, work) -> str:
        try:
            return await asyncio.wait_for(work, self.timeout)
        except TimeoutError as error:
            raise ClamdError(f"no answer within {self.timeout:g} s") from error
        except OSError as error:
            raise ClamdError(str(error) or type(error).__name__) from error

    def _sessions(self) -> list[_Session]:
        per_loop = _idle.setdefault(asyncio.get_running_loop(), {})
        return per_loop.setdefault(self.address, [])

    async def _scan_in_session(self, body: bytes) -> str:
        """INSTREAM in a kept session (or a new one), which is kept again afterwards."""
        sessions = self._sessions()
        now = time.monotonic()
        while sessions:
            session = sessions.pop()
            if now - session.idle_since < SESSION_IDLE_SECONDS:
                break
            session.close()
        else:
            session = None
        if session is not None:
            try:
                answer = await session.instream(body)
            except (ClamdError, OSError):  # clamd closed it meanwhile: once more, anew
                session.close()
            except BaseException:
                session.close()
                raise
            else:
                return self._keep(session, answer)
        reader, writer = await self._open()
        session = _Session(reader, writer)
        try:
            writer.write(b"zIDSESSION\0")
            answer = await session.instream(body)
        except BaseException:
            session.close()
            raise
        return self._keep(session, answer)

    def _keep(self, session: _Session, answer: str) -> str:
        sessions = self._sessions()
        if len(sessions) < IDLE_SESSIONS and not session.writer.is_closing():
            session.idle_since = time.monotonic()
            sessions.append(session)
        else:
            session.close()
        return answer

    async def ping(self) -> bool:
        return await self._exchange(b"PING") == "PONG"

    async def version(self) -> str:
        """``ClamAV 1.4.6/27470/Tue Nov 25 09:30:00 2026`` (or without the definitions part)."""
        return await self._exchange(b"VERSION")

    async def reload(self) -> str:
        """``RELOADING`` when clamd accepted the command."""
        return await self._exchange(b"RELOAD")

    async def instream(self, message: bytes) -> Verdict:
        answer = await self._within_timeout(self._scan_in_session(message))
        text = answer.partition(": ")[2] if answer.startswith("stream:") else answer
        if text == "OK":
            return Verdict(CLEAN)
        if text.endswith(" FOUND"):
            return Verdict(INFECTED, virus=text[: -len(" FOUND")].strip() or "unknown")
        raise ClamdError(f"clamd said {answer!r}")


VERSION_TTL = 60.0  # seconds the scanner's VERSION answer is reused for the header
_versions: dict[str, tuple[float, str]] = {}


async def _scanner_version(clamd: "Clamd", address: str) -> str:
    """clamd's VERSION, asked at most once a minute per scanner (not once per message)."""
    now = time.monotonic()
    cached = _versions.get(address)
    if cached and now - cached[0] < VERSION_TTL:
        return cached[1]
    try:
        version = await clamd.version()
    except ClamdError:
        return ""
    _versions[address] = (now, version)
    return version


async def scan(message: bytes, address: str, timeout: float = 30.0) -> Verdict:
    """The verdict on ``message``; unavailable (with the reason) instead of any error."""
    try:
        clamd = Clamd(address, timeout)
        verdict = await clamd.instream(message)
        if verdict.clean:
            return Verdict(CLEAN, scanner=await _scanner_version(clamd, address))
        return verdict
    except (ClamdError, ValueError) as error:
        log.warning("virus scanner %s unavailable: %s", address, error)
        return Verdict(UNAVAILABLE, reason=str(error))
    except Exception as error:  # never into the SMTP session
        log.exception("virus scan failed")
        return Verdict(UNAVAILABLE, reason=f"{type(error).__name__}: {error}")


def scanned_header(verdict: Verdict | None) -> bytes:
    """The ``X-Virus-Scanned`` line put on every accepted message."""
    if verdict is None:
        return b"X-Virus-Scanned: no (no scanner configured)\r\n"
    name = verdict.scanner.split("/", 1)[0].strip() if verdict.scanner else "ClamAV"
    clean = "".join(ch for ch in name if ch.isprintable() and ch.isascii())[:80] or "ClamAV"
    return f"X-Virus-Scanned: clamd {clean}\r\n".encode()
