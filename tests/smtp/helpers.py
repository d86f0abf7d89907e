"""What the SMTP tests expect, and ways to run the server for them.

Expected replies are written out here, not imported from mailcore: a test
must fail when the server says something else.
"""

import asyncio
import concurrent.futures
import os
import queue
import signal
import smtplib
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connections

from mailcore.smtp.server import start_servers
from tests.support import database_url_for_children

BASE_DIR = Path(__file__).resolve().parent.parent.parent
HOST = "127.0.0.1"
SERVER_NAME = "mx.test.example"
CLIENT_NAME = "client.test.example"

# (reply code, RFC 3463 enhanced status code)
DELIVERED = (250, "2.0.0")
SENDER_OK = (250, "2.1.0")
RECIPIENT_OK = (250, "2.1.5")
UNKNOWN_USER = (550, "5.1.1")
RELAYING_DENIED = (550, "5.7.1")
MAILBOX_FULL = (552, "5.2.2")
MESSAGE_TOO_BIG = (552, "5.3.4")
TOO_MANY_RECIPIENTS = (452, "4.5.3")
AUTH_REQUIRED = (530, "5.7.0")
TEMPORARY_FAILURE = (451, "4.3.0")


def reply_code(reply: tuple[int, bytes]) -> tuple[int, str]:
    """``(250, b"2.0.0 OK ...")`` -> ``(250, "2.0.0")``, what the tests compare."""
    code, text = reply
    return code, text.decode("utf-8", "replace").split(" ", 1)[0]


def message(subject="Hello", body="Hi Jane,\r\nlunch tomorrow?\r\n", to="jane@example.com"):
    """A small RFC 5322 message with CRLF line endings."""
    return (
        f"From: Bob <bob@remote.test>\r\nTo: <{to}>\r\nSubject: {subject}\r\n"
        f"Message-ID: <{time.time_ns()}@remote.test>\r\n\r\n{body}"
    ).encode()


OUR_HEADERS = (b"X-Virus-Scanned: ", b"Authentication-Results: ", b"X-Spam-Score: ",
               b"X-Spam-Status: ", b"X-Spam-Flag: ")


def strip_received(stored: bytes) -> tuple[bytes, bytes]:
    """Split a stored message into (our Received header, the rest as the client sent it).

    The lines we add right below it (X-Virus-Scanned, Authentication-Results, X-Spam-*)
    go with it.

    The ``Delivered-To:`` line(s) a local delivery puts on top are skipped.
    """
    assert stored.startswith(b"Delivered-To: "), stored[:200]
    while stored.startswith(b"Delivered-To: "):
        stored = stored.split(b"\n", 1)[1]
    assert stored.startswith(b"Received: "), stored[:200]
    lines = stored.split(b"\n")
    count = 1
    while lines[count].startswith((b"\t", b" ")):
        count += 1
    while lines[count].startswith(OUR_HEADERS):  # added with our Received header
        count += 1
        while lines[count].startswith((b"\t", b" ")):
            count += 1
    return b"\n".join(lines[:count]) + b"\n", b"\n".join(lines[count:])


def stored_messages(maildir: Path) -> list[bytes]:
    """Contents of the messages in ``new/``, oldest first."""
    new = maildir / "new"
    if not new.is_dir():
        return []
    return [path.read_bytes() for path in sorted(new.iterdir())]


def connect(server) -> smtplib.SMTP:
    client = smtplib.SMTP(server.host, server.mx_port, local_hostname=CLIENT_NAME, timeout=10)
    client.ehlo()
    return client


def send(server, data: bytes, to=("jane@example.com",), sender="bob@remote.test"):
    """MAIL without SIZE (as clients that do not declare it), RCPT each, DATA: the replies."""
    with connect(server) as client:
        replies = [client.mail(sender)]
        replies += [client.rcpt(address) for address in to]
        try:
            replies.append(client.data(data))
        except smtplib.SMTPDataError as error:  # no recipient accepted: 503 instead of 354
            replies.append((error.smtp_code, error.smtp_error))
    return [reply_code(reply) for reply in replies]


@dataclass(frozen=True)
class Listening:
    host: str
    mx_port: int
    submission_port: int
    submissions_port: int = 0  # implicit TLS; 0 when not started


class ClosingExecutor(concurrent.futures.ThreadPoolExecutor):
    """Worker threads that close their database connections after each job.

    The server's threads must not keep connections open past a test: the
    database is flushed after each test and dropped at the end (PostgreSQL
    refuses to drop a database somebody is connected to).
    """

    def submit(self, fn, /, *args, **kwargs):
        def call():
            try:
                return fn(*args, **kwargs)
            finally:
                connections.close_all()

        return super().submit(call)


class ServerThread:
    """``start_servers`` on 127.0.0.1, port 0, in a thread with its own event loop."""

    def __init__(self, config, submissions: bool = False):
        self.config = config
        self.submissions = submissions  # also the implicit-TLS submission listener
        self._ready = concurrent.futures.Future()
        self._loop = None
        self._stop = None
        self._thread = threading.Thread(target=self._run, name="smtpd-test", daemon=True)

    def start(self, timeout: float = 10) -> Listening:
        self._thread.start()
        return self._ready.result(timeout)

    def stop(self, timeout: float = 10) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the SMTP test server did not stop"

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.set_default_executor(ClosingExecutor(max_workers=4))
        try:
            loop.run_until_complete(self._serve())
        except BaseException as error:
            if not self._ready.done():
                self._ready.set_exception(error)
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:  # sessions of clients that did not hang up
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        servers = await start_servers(self.config, HOST, 0, 0, 0 if self.submissions else None)
        self._loop = asyncio.get_running_loop()
        ports = [server.sockets[0].getsockname()[1] for server in servers]
        self._ready.set_result(Listening(HOST, *ports))
        try:
            await self._stop.wait()
        finally:
            for server in servers:
                server.close()
            for server in servers:
                await server.wait_closed()


class SmtpdProcess:
    """``manage.py smtpd --port 0 --submission-port 0`` as a child process."""

    def __init__(self, mail_root: Path, timeout: float = 30):
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="tests.settings",
            DATABASE_URL=database_url_for_children(),
            HOSTPANEL_MAIL_ROOT=str(mail_root),
            HOSTPANEL_HOSTNAME=SERVER_NAME,
            PYTHONUNBUFFERED="1",
        )
        self.output: list[str] = []
        self._lines: queue.Queue = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "smtpd", "--port", "0", "--submission-port", "0"],
            cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        ports = [int(line.rsplit(":", 1)[1]) for line in self._listening(2, timeout)]
        self.mx_port, self.submission_port = ports

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def _listening(self, count: int, timeout: float) -> list[str]:
        found, deadline = [], time.monotonic() + timeout
        while len(found) < count:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                self.kill()
                raise AssertionError("smtpd did not start:\n" + "".join(self.output))
            if line.startswith("smtpd listening on "):
                found.append(line.strip())
        return found

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
