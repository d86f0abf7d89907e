"""A clamd client on asyncio streams: INSTREAM scans, VERSION, RELOAD, PING.

clamd listens on TCP (``host:port``) or a Unix socket (a path). Commands use
the ``z`` form (NUL-terminated). A scan streams the message in chunks, each
prefixed with its 4-byte big-endian length, and ends with a zero length;
clamd answers ``stream: OK``, ``stream: <name> FOUND`` or ``... ERROR``.

:func:`scan` never raises: a scanner that cannot be reached, times out or
answers an error gives an ``unavailable`` verdict, and the caller refuses the
message temporarily (it is never accepted unscanned).
"""

import asyncio
import logging
import struct
import time
from dataclasses import dataclass

log = logging.getLogger("mailcore.filters")

CLEAN = "clean"
INFECTED = "infected"
UNAVAILABLE = "unavailable"
CHUNK = 64 * 1024
MAX_REPLY = 64 * 1024


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


class Clamd:
    """One clamd daemon; every command opens its own connection."""

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
                writer.write(b"z" + command + b"\0")
                if body is not None:
                    for start in range(0, len(body), CHUNK):
                        chunk = body[start:start + CHUNK]
                        writer.write(struct.pack(">I", len(chunk)) + chunk)
                        await writer.drain()
                    writer.write(struct.pack(">I", 0))
                await writer.drain()
                answer = await reader.readuntil(b"\0")
            except asyncio.LimitOverrunError as error:
                raise ClamdError("answer too long") from error
            except asyncio.IncompleteReadError as error:
                raise ClamdError("connection closed before an answer") from error
            finally:
                writer.close()
            return answer[:-1].decode("utf-8", "replace").strip()

        try:
            return await asyncio.wait_for(run(), self.timeout)
        except TimeoutError as error:
            raise ClamdError(f"no answer within {self.timeout:g} s") from error
        except OSError as error:
            raise ClamdError(str(error) or type(error).__name__) from error

    async def ping(self) -> bool:
        return await self._exchange(b"PING") == "PONG"

    async def version(self) -> str:
        """``ClamAV 1.4.6/27470/Tue Nov 25 09:30:00 2026`` (or without the definitions part)."""
        return await self._exchange(b"VERSION")

    async def reload(self) -> str:
        """``RELOADING`` when clamd accepted the command."""
        return await self._exchange(b"RELOAD")

    async def instream(self, message: bytes) -> Verdict:
        answer = await self._exchange(b"INSTREAM", message)
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
