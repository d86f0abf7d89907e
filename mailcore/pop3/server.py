"""The POP3 server: an asyncio protocol around :class:`~mailcore.pop3.session.Session`.

This module owns the connection: reading bounded lines, the idle and write
timeouts, replies to pipelined commands, switching to TLS after STLS, and one log
line per session. The protocol is in ``session``, passwords in
:mod:`mailcore.auth`, the disk in ``maildrop``.
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
from mailcore.pop3.session import Reply, Session
from mailcore.tls import server_context

log = logging.getLogger(__name__)

# RFC 2449 allows 255 octets per command; clients send longer AUTH PLAIN
# responses and passwords, so be lenient, but never unbounded.
MAX_LINE = 2048
# A longer line is skipped up to this much, then the connection is closed.
MAX_DISCARD = 1024 * 1024
# Input kept while a command is answered or the client does not read its replies;
# past this, reading stops until the commands received are answered.
MAX_BUFFERED = 4 * MAX_LINE
# Replies to pipelined commands are written together up to this much.
MAX_QUEUED = 64 * 1024
# Each read from a client goes into one buffer of this size, shared by the server's
# connections (each copies out what it got at once): asyncio's plain protocols
# allocate 256 KiB per read instead, which costs more than most commands do.
RECEIVE_BUFFER = 64 * 1024


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
        self._connections: set[_Connection] = set()
        self._receive_buffer = memoryview(bytearray(RECEIVE_BUFFER))
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
        self._server = await asyncio.get_running_loop().create_server(
            lambda: _Connection(self),
            host or self.config.pop3_host,
            self.config.pop3_port if port is None else port,
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
        for connection in list(self._connections):
            connection.stop()

    async def wait_closed(self) -> None:
        if self._connections:
            await asyncio.wait({c.finished for c in self._connections}, timeout=10)
        if self._server is not None:
            await self._server.wait_closed()

    def _session(self, peer) -> Session:
        return Session(
            authenticate=self.authenticator.verify,
            open_maildrop=open_maildrop,
            hostname=self.config.hostname,
            client_ip=peer[0] if peer else None,
            tls_available=self.tls_context is not None,
            require_tls=self.config.pop3_require_tls,
        )


class _Connection(asyncio.BufferedProtocol):
    """One client: command lines in, replies out, with the idle and write timeouts.

    A protocol rather than streams: a command the session answers at once (most, and
    RETR of a message read ahead) costs one pass of the event loop, no task wake-up
    and no timer per command (streams cost three times as much CPU per command). A
    command that needs the disk or a password check runs as a task, and no further
    line is read until its reply is out.

    Replies to pipelined commands (RFC 2449) that arrive together go out in one write.
    When the client does not read its replies, the transport's flow control stops the
    commands (and then the reading) until it does; after the timeout the connection is
    closed, as is one idle that long, or that sends an endless line.
    """

    def __init__(self, server: Pop3Server):
        self._server = server
        self._loop = asyncio.get_running_loop()
        self._timeout = server.config.pop3_timeout
        self.finished = self._loop.create_future()
        self.transport: asyncio.Transport | None = None
        self.session: Session | None = None
        self._started = time.monotonic()
        self._buffer = b""  # received, not yet a whole line
        self._discarded = 0  # octets dropped of a too long line, while skipping it
        self._replies: list[bytes] = []  # answers not yet written (pipelining)
        self._queued = 0  # their size
        self._task: asyncio.Task | None = None  # a command being answered, or STLS
        self._writing_paused = False  # the client is not reading its replies
        self._reading_paused = False
        self._eof = False
        self._done = False
        # Timeouts: one timer, moved lazily. _deadline is when the wait in progress
        # (for a command line, or for the client to read) runs out; None while a task runs.
        self._deadline: float | None = None
        self._timer: asyncio.TimerHandle | None = None

    # asyncio.Protocol callbacks.

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.session = self._server._session(transport.get_extra_info("peername"))
        if self._server.implicit_tls:
            self.session.tls_started()
        self._server._connections.add(self)
        transport.write(self.session.greeting())
        self._wait()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._server._receive_buffer

    def buffer_updated(self, nbytes: int) -> None:
        self._received(bytes(self._server._receive_buffer[:nbytes]))

    def _received(self, data: bytes) -> None:
        if self._done:
            return
        self._buffer = self._buffer + data if self._buffer else data
        if self._task is None and not self._writing_paused:
            self._guarded(self._serve)
        elif len(self._buffer) > MAX_BUFFERED and not self._reading_paused:
            self._reading_paused = True
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        self._eof = True
        if self._task is None and not self._writing_paused:
            self._guarded(self._serve)
        # Keep the connection open (half-closed) for the replies still to come, as
        # streams do; over TLS that is not possible and asyncio closes it.
        return self.transport.get_extra_info("sslcontext") is None

    def connection_lost(self, error: Exception | None) -> None:
        if self.session is None:
            return
        if error is not None and not self._done:
            self.session.stats.outcome = f"connection lost ({type(error).__name__})"
        if self._task is None:  # else the task's end finishes the session
            self._finish()

    def pause_writing(self) -> None:
        self._writing_paused = True
        if self._task is None and not self._done:
            self._wait()  # a command being answered has no timeout, as before

    def resume_writing(self) -> None:
        self._writing_paused = False
        self._loop.call_soon(self._guarded, self._serve)

    # Commands.

    def _guarded(self, step, *args) -> None:
        try:
            step(*args)
        except Exception:
            log.exception("POP3 connection from %s failed", self.session.client_ip)
            self._finish("internal error")

    def _serve(self) -> None:
        """Answer the complete lines received, until one needs a task or writes stall."""
        if self._done or self._task is not None or self._writing_paused:
            return
        while not self._writing_paused:
            line = self._next_line()
            if line is None:
                break
            answer = self.session.respond(line) if line else self.session.line_too_long()
            if not isinstance(answer, Reply):
                self._flush()
                self._deadline = None
                self._task = self._loop.create_task(answer)
                self._task.add_done_callback(self._answered)
                return
            if not self._reply(answer) or self._done:
                return
        self._flush()
        if self._done:
            return
        if self._writing_paused:
            self._wait()  # for the client to read
            return
        if self._eof:
            self._finish()  # everything sent before the end of input is answered
            return
        if self._reading_paused and len(self._buffer) <= MAX_BUFFERED:
            self._reading_paused = False
            self.transport.resume_reading()
        self._wait()

    def _next_line(self) -> bytes | None:
        """The next whole line, b"" for a too long one (skipped), None for none yet."""
        buffer = self._buffer
        end = buffer.find(b"\n")
        if self._discarded:  # skipping a too long line to its end
            if end < 0:
                self._discard(len(buffer))
                return None
            self._discarded = 0
            self._buffer = buffer[end + 1:]
            return b""
        if end < 0:
            if len(buffer) > MAX_LINE:
                self._discard(len(buffer))
            return None
        self._buffer = buffer[end + 1:]
        return buffer[:end + 1] if end <= MAX_LINE else b""

    def _discard(self, size: int) -> None:
        self._buffer = b""
        self._discarded += size
        if self._discarded > MAX_DISCARD:
            self._replies.append(self.session.line_too_long().data)
            self._finish("line too long")

    def _reply(self, reply: Reply) -> bool:
        """Queue (or send) one reply; False when no further command is to be read."""
        if reply.start_tls:
            if self._buffer:
                # Commands sent in clear after STLS must not be run as if they came
                # over TLS (the STARTTLS injection attack): refuse and hang up.
                self._replies.append(b"-ERR no command may follow STLS before TLS\r\n")
                self._finish("input after STLS")
                return False
            self._flush()
            # Leave the client's TLS hello in the socket until the TLS layer reads it:
            # read now, it would land in the plain-text buffer and be lost.
            self.transport.pause_reading()
            self.transport.write(reply.data)
            self._deadline = None
            self._task = self._loop.create_task(self._start_tls())
            self._task.add_done_callback(self._answered)
            return False
        self._replies.append(reply.data)
        self._queued += len(reply.data)
        if reply.close:
            self._finish()
            return False
        if self._queued > MAX_QUEUED:
            self._flush()
        return True

    def _flush(self) -> None:
        if self._replies:
            replies, self._replies, self._queued = self._replies, [], 0
            self.transport.write(replies[0] if len(replies) == 1 else b"".join(replies))

    def _answered(self, task: asyncio.Task) -> None:
        """A command's task (or STLS's) ended: send its reply and go on with the next line."""
        self._task = None
        if self._done:
            return
        if task.cancelled():
            self._finish()
            return
        error = task.exception()
        if isinstance(error, (ConnectionError, ssl.SSLError, TimeoutError)):
            self._finish(f"connection lost ({type(error).__name__})")
            return
        if error is not None:
            log.error("POP3 connection from %s failed", self.session.client_ip,
                      exc_info=error)
            self._finish("internal error")
            return
        reply = task.result()
        if self.transport.is_closing():  # the client left meanwhile
            self._finish()
            return
        if reply is None or self._reply(reply):
            self._guarded(self._serve)

    async def _start_tls(self) -> None:
        transport = await self._loop.start_tls(
            self.transport, self, self._server.tls_context, server_side=True,
            ssl_handshake_timeout=self._timeout)
        self.transport = transport
        self.session.tls_started()

    # Timeouts.

    def _wait(self) -> None:
        """From now, the client has the timeout to send a line (or to read its replies)."""
        self._deadline = self._loop.time() + self._timeout
        if self._timer is None:
            self._timer = self._loop.call_at(self._deadline, self._timed_out)

    def _timed_out(self) -> None:
        self._timer = None
        if self._done or self._task is not None or self._deadline is None:
            return  # a task is running: it has no timeout, as before
        if self._loop.time() < self._deadline:
            self._timer = self._loop.call_at(self._deadline, self._timed_out)
            return
        if self._writing_paused:
            self._finish("connection lost (TimeoutError)")
        else:
            self._replies.append(b"-ERR idle timeout, closing the connection\r\n")
            self._finish("idle timeout")

    # The end.

    def stop(self) -> None:
        """The server is stopping: end the session without UPDATE."""
        if self._done:
            return
        self.session.stats.outcome = "server stopped"
        if self._task is not None:
            self._task.cancel()  # the task's end finishes the session
        else:
            self._finish()

    def _finish(self, outcome: str | None = None) -> None:
        """Release the maildrop, log the session, send what is queued and close (once).

        In that order: when the client reads its last reply, the maildrop is free for
        its next session and the session is in the log.
        """
        if self._done:
            return
        self._done = True
        if outcome is not None:
            self.session.stats.outcome = outcome
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._server._connections.discard(self)
        try:
            self.session.abort()
            _log_session(self.session, time.monotonic() - self._started)
        finally:
            self._flush()
            self.transport.close()
            self.finished.set_result(None)


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
