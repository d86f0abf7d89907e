"""The POP3 server: asyncio streams around :class:`~mailcore.pop3.session.Session`.

This module owns the connection: reading bounded lines, the idle timeout,
switching to TLS after STLS, and one log line per session. The protocol is in
``session``, passwords in :mod:`mailcore.auth`, the disk in ``maildrop``.
"""

import asyncio
import ctypes
import ctypes.util
import functools
import logging
import ssl
import time

from mailcore.auth import Authenticator
from mailcore.pop3.maildrop import Maildrop
from mailcore.pop3.session import Session
from mailcore.tls import server_context

log = logging.getLogger(__name__)

# RFC 2449 allows 255 octets per command; clients send longer AUTH PLAIN
# responses and passwords, so be lenient, but never unbounded.
MAX_LINE = 2048
# A longer line is skipped up to this much, then the connection is closed.
MAX_DISCARD = 1024 * 1024


class LineTooLong(Exception):
    def __init__(self, fatal: bool):
        super().__init__("line too long")
        self.fatal = fatal


async def read_line(reader: asyncio.StreamReader) -> bytes | None:
    """The next line (up to MAX_LINE octets), or None at end of input.

    A longer line is read to its end and dropped, then LineTooLong is raised,
    so that the next line read is the client's next command.
    """
    try:
        return await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError as overrun:
        consumed = overrun.consumed
    discarded = 0
    try:
        while True:
            await reader.readexactly(consumed)
            discarded += consumed
            if discarded > MAX_DISCARD:
                raise LineTooLong(fatal=True)
            try:
                await reader.readuntil(b"\n")
                raise LineTooLong(fatal=False)
            except asyncio.LimitOverrunError as overrun:
                consumed = overrun.consumed
    except asyncio.IncompleteReadError:
        return None


async def open_maildrop(mailbox) -> Maildrop:
    """Lock and snapshot a mailbox's Maildir in a thread.

    If the session is cancelled meanwhile (server shutdown), the lock taken by
    the thread is released when it finishes instead of being left to the GC.
    """
    future = asyncio.ensure_future(asyncio.to_thread(Maildrop.open, mailbox.maildir))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        future.add_done_callback(_close_opened)
        raise


def _close_opened(future: asyncio.Future) -> None:
    if not future.cancelled() and future.exception() is None:
        future.result().close()


# glibc's mallopt(M_MMAP_THRESHOLD, ...): see _give_back_hash_memory().
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 1024 * 1024


@functools.cache
def _give_back_hash_memory() -> None:
    """Make glibc return the memory of each password check to the system.

    An argon2id check (mailcore.auth, in worker threads) allocates 19 MiB. glibc serves
    that from mmap, but after the first free it raises its mmap threshold to that size,
    so later checks are served from per-thread arenas that keep the memory: with a few
    threads, 100+ MB of RSS that holds nothing. A fixed threshold turns that adjustment
    off. No effect (and no error) on a C library without mallopt.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    except (OSError, AttributeError):
        pass


class Pop3Server:
    """One listening socket; usable with :func:`mailcore.runner.serve_until_stopped`."""

    def __init__(self, config, *, authenticator: Authenticator | None = None,
                 tls_context: ssl.SSLContext | None = None):
        self.config = config
        self.authenticator = authenticator or Authenticator(config)
        self.tls_context = tls_context or server_context(config.tls_cert, config.tls_key)
        self._server: asyncio.Server | None = None
        self.implicit_tls = False
        self._connections: set[asyncio.Task] = set()
        if config.pop3_require_tls and self.tls_context is None:
            log.warning("POP3 requires TLS but no certificate is configured: "
                        "only loopback clients can log in")

    async def start(self, host: str | None = None, port: int | None = None, *,
                    implicit_tls: bool = False) -> "Pop3Server":
        """Listen; with ``implicit_tls`` the connection is TLS from the first byte (POP3S, 995)."""
        if implicit_tls and self.tls_context is None:
            raise ValueError("POP3 over TLS needs a certificate (HOSTPANEL_TLS_CERT)")
        self.implicit_tls = implicit_tls
        _give_back_hash_memory()
        self._server = await asyncio.start_server(
            self._handle,
            host or self.config.pop3_host,
            self.config.pop3_port if port is None else port,
            limit=MAX_LINE,
            ssl=self.tls_context if implicit_tls else None,
        )
        return self

    @property
    def sockets(self):
        return self._server.sockets if self._server else ()

    def close(self) -> None:
        """Stop listening and end every session (no UPDATE: nothing is deleted)."""
        if self._server is not None:
            self._server.close()
        for task in self._connections:
            task.cancel()

    async def wait_closed(self) -> None:
        if self._connections:
            await asyncio.wait(set(self._connections), timeout=10)
        if self._server is not None:
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        task = asyncio.current_task()
        self._connections.add(task)
        peer = writer.get_extra_info("peername")
        session = Session(
            authenticate=self.authenticator.verify,
            open_maildrop=open_maildrop,
            hostname=self.config.hostname,
            client_ip=peer[0] if peer else None,
            tls_available=self.tls_context is not None,
            require_tls=self.config.pop3_require_tls,
        )
        if self.implicit_tls:
            session.tls_started()
        started = time.monotonic()
        try:
            await self._converse(session, reader, writer)
        except asyncio.CancelledError:
            session.stats.outcome = "server stopped"
        except (ConnectionError, ssl.SSLError, TimeoutError) as error:
            session.stats.outcome = f"connection lost ({type(error).__name__})"
        except Exception:
            session.stats.outcome = "internal error"
            log.exception("POP3 connection from %s failed", session.client_ip)
        finally:
            session.abort()
            writer.close()
            self._connections.discard(task)
            _log_session(session, time.monotonic() - started)

    async def _converse(self, session: Session, reader, writer) -> None:
        timeout = self.config.pop3_timeout
        await self._send(writer, session.greeting())
        while True:
            try:
                # asyncio.timeout, not wait_for: no task per command (3.11's wait_for makes one).
                async with asyncio.timeout(timeout):
                    line = await read_line(reader)
            except TimeoutError:
                session.stats.outcome = "idle timeout"
                await self._send(writer, b"-ERR idle timeout, closing the connection\r\n")
                return
            except LineTooLong as error:
                await self._send(writer, session.line_too_long().data)
                if error.fatal:
                    session.stats.outcome = "line too long"
                    return
                continue
            if line is None:
                return
            reply = await session.handle(line)
            if reply.start_tls:
                if _has_buffered_input(reader):
                    # Commands sent in clear after STLS must not be run as if they came
                    # over TLS (the STARTTLS injection attack): refuse and hang up.
                    session.stats.outcome = "input after STLS"
                    await self._send(writer, b"-ERR no command may follow STLS before TLS\r\n")
                    return
                # Leave the client's TLS hello in the socket until the TLS layer reads
                # it: read now, it would land in the plain-text buffer and be lost.
                writer.transport.pause_reading()
            await self._send(writer, reply.data)
            if reply.start_tls:
                await writer.start_tls(self.tls_context, ssl_handshake_timeout=timeout)
                session.tls_started()
            if reply.close:
                return

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        async with asyncio.timeout(self.config.pop3_timeout):
            await writer.drain()


def _has_buffered_input(reader: asyncio.StreamReader) -> bool:
    # StreamReader has no public way to peek; its buffer is a bytearray.
    return bool(getattr(reader, "_buffer", b""))


def _log_session(session: Session, duration: float) -> None:
    stats = session.stats
    log.info(
        "pop3 session client=%s login=%s tls=%s retrieved=%d deleted=%d outcome=%s "
        "duration=%.1fs",
        stats.client_ip, stats.login or "-", "yes" if stats.tls else "no",
        stats.retrieved, stats.deleted, stats.outcome, duration,
        extra={"event": "pop3.session", "client": stats.client_ip, "login": stats.login or None,
               "tls": stats.tls, "retrieved": stats.retrieved, "deleted": stats.deleted,
               "outcome": stats.outcome, "duration": round(duration, 3)},
    )
