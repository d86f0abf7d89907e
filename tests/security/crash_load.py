"""The parts of the crash-safety test: the three servers as restartable processes, the
clients that load them and write down what they were told, and the final count.

Every message carries a unique number (``Message-ID: <crash-N@...>``, also in the
subject). Clients record, per number and recipient, whether the server said 250;
the POP3 client records the numbers whose DELE a successful QUIT confirmed. The
check then counts the copies in every Maildir (``new/`` and ``cur/``) and at the sink.
"""

import collections
import dataclasses
import os
import poplib
import queue
import re
import signal
import smtplib
import subprocess
import threading
import time
from pathlib import Path

from django.conf import settings

from tests.support import CELERY, PYTHON, REPO, database_url_for_children

HOST = "127.0.0.1"
SERVER_NAME = "mx.test.example"
CLIENT_NAME = "client.test.example"
NUMBER = re.compile(rb"^Message-ID: <crash-(\d+)@remote\.test>", re.MULTILINE | re.IGNORECASE)


def number_of(data: bytes) -> int | None:
    match = NUMBER.search(data)
    return int(match.group(1)) if match else None


def message(number: int, sender: str, recipients: list[str]) -> bytes:
    """A small plain-text message (about 1 KB) that names its number twice."""
    body = "".join(f"Line {line} of message {number}: nothing to see here, just mail.\r\n"
                   for line in range(12))
    return (f"From: <{sender}>\r\nTo: {', '.join(f'<{r}>' for r in recipients)}\r\n"
            f"Subject: crash test message {number}\r\n"
            f"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
            f"Message-ID: <crash-{number}@remote.test>\r\n\r\n{body}").encode()


def children_environment(**extra: str) -> dict[str, str]:
    """What the servers and the worker share with this test: database, trees, DNS, sink."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=database_url_for_children(),
        HOSTPANEL_HOME=str(settings.HOSTPANEL_HOME),
        HOSTPANEL_MAIL_ROOT=str(settings.HOSTPANEL_MAIL_ROOT),
        HOSTPANEL_SPOOL=str(settings.HOSTPANEL_SPOOL),
        HOSTPANEL_QUARANTINE=str(settings.HOSTPANEL_QUARANTINE),
        HOSTPANEL_SPAM_MODELS=str(settings.HOSTPANEL_SPAM_MODELS),
        HOSTPANEL_LISTS=str(settings.HOSTPANEL_LISTS),
        HOSTPANEL_DNS=settings.HOSTPANEL_DNS,
        HOSTPANEL_SMTP_DELIVERY_PORT=str(settings.HOSTPANEL_SMTP_DELIVERY_PORT),
        HOSTPANEL_HOSTNAME=SERVER_NAME,
        HOSTPANEL_AUTH_PLAINTEXT_LOOPBACK="1",  # submission logins without TLS on loopback
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Service:
    """One of the servers as a child process that can be killed with SIGKILL and restarted.

    Its output goes to ``<log_dir>/<name>.<n>.log``, one file per start.
    """

    def __init__(self, name: str, command: list[str], log_dir: Path, ready: str | None):
        self.name = name
        self.command = command
        self.log_dir = log_dir
        self.ready = ready  # a line of output that says it serves, None: do not wait
        self.starts = 0
        self.kills: list[float] = []  # time.monotonic() of each SIGKILL
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> None:
        self.starts += 1
        log_path = self.log_dir / f"{self.name}.{self.starts}.log"
        lines: queue.Queue = queue.Queue()
        self.process = subprocess.Popen(
            self.command, cwd=REPO, env=children_environment(), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=_copy_output, args=(self.process, log_path, lines),
                         daemon=True).start()
        if self.ready is None:
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                self.kill()
                raise AssertionError(f"{self.name} did not start:\n{self.output()}")
            if line.startswith(self.ready):
                return

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.kills.append(time.monotonic())
        if self.process is not None:
            self.process.wait(10)

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self) -> None:
        """SIGTERM, SIGKILL if it does not go: for the end of the test."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        return "".join(path.read_text(errors="replace")
                       for path in sorted(self.log_dir.glob(f"{self.name}.*.log")))


def _copy_output(process: subprocess.Popen, log_path: Path, lines: queue.Queue) -> None:
    with open(log_path, "w") as log:
        for line in process.stdout:
            log.write(line)
            log.flush()
            lines.put(line)
    lines.put(None)


def services(log_dir: Path, mx_port: int, submission_port: int, pop3_port: int):
    """``{"smtpd": ..., "worker": ..., "pop3d": ...}``, not started."""
    manage = [PYTHON, "manage.py"]
    return {
        "smtpd": Service("smtpd", manage + ["smtpd", "--host", HOST, "--port", str(mx_port),
                                            "--submission-port", str(submission_port)],
                         log_dir, "smtpd listening on"),
        "worker": Service("worker", [CELERY, "-A", "hostpanel", "worker", "--pool=solo",
                                     "--loglevel=INFO", "--without-gossip", "--without-mingle",
                                     "--without-heartbeat", "-n", "crash@%h"],
                          log_dir, None),
        "pop3d": Service("pop3d", manage + ["pop3d", "--host", HOST, "--port", str(pop3_port)],
                         log_dir, "pop3d listening on"),
    }


@dataclasses.dataclass
class Ledger:
    """What the clients were told. Shared by their threads (one lock)."""

    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    # (number, recipient) -> True once DATA got 250, False while it did not (yet)
    sent: dict[tuple[int, str], bool] = dataclasses.field(default_factory=dict)
    deleted: set[int] = dataclasses.field(default_factory=set)  # DELE confirmed by QUIT +OK
    maybe_deleted: set[int] = dataclasses.field(default_factory=set)  # QUIT got no answer
    retrieved: int = 0
    pop3_sessions: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    smtp_errors: collections.Counter = dataclasses.field(default_factory=collections.Counter)

    def attempted(self, number: int, recipients: list[str]) -> None:
        with self.lock:
            for recipient in recipients:
                self.sent[(number, recipient)] = False

    def acknowledged(self, number: int, recipients: list[str]) -> None:
        with self.lock:
            for recipient in recipients:
                self.sent[(number, recipient)] = True

    def failed(self, reason: str) -> None:
        with self.lock:
            self.smtp_errors[reason] += 1

    def acked_count(self) -> int:
        with self.lock:
            return len({number for (number, _), acked in self.sent.items() if acked})


class SmtpClient(threading.Thread):
    """Sends the messages ``numbers`` hands out, over one connection while it lasts.

    ``plan(number)`` says how: ``("mx", sender, recipients)`` to the MX port, or
    ``("submission", login, recipients)`` after AUTH. A connection that breaks
    (the server was killed) is opened again once the server is back.
    """

    def __init__(self, numbers, plan, ledger: Ledger, ports: dict[str, int], password: str):
        super().__init__(daemon=True)
        self.numbers, self.plan, self.ledger = numbers, plan, ledger
        self.ports, self.password = ports, password
        self.connections: dict[str, smtplib.SMTP] = {}

    def run(self) -> None:
        for number in self.numbers:
            self._send(number, *self.plan(number))
        for connection in self.connections.values():
            _quietly(connection.quit)

    def _connection(self, port_name: str, login: str | None) -> smtplib.SMTP:
        key = f"{port_name}:{login}"
        if key not in self.connections:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client = smtplib.SMTP(HOST, self.ports[port_name],
                                          local_hostname=CLIENT_NAME, timeout=30)
                    client.ehlo()
                    if login:
                        client.login(login, self.password)
                    break
                except (OSError, smtplib.SMTPException):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)  # being restarted
            self.connections[key] = client
        return self.connections[key]

    def _send(self, number: int, port_name: str, sender: str, recipients: list[str]) -> None:
        login = sender if port_name == "submission" else None
        data = message(number, sender, recipients)
        client = self._connection(port_name, login)
        accepted = []
        self.ledger.attempted(number, recipients)
        try:
            code, _ = client.mail(sender)
            if code == 250:
                accepted = [r for r in recipients if client.rcpt(r)[0] == 250]
            if accepted:
                code, _ = client.data(data)
                if code == 250:
                    self.ledger.acknowledged(number, accepted)
                    return
            self.ledger.failed(f"refused {code}")
            client.rset()
        except smtplib.SMTPDataError as error:
            self.ledger.failed(f"DATA {error.smtp_code}")
            _quietly(client.rset)
        except (OSError, smtplib.SMTPException) as error:
            self.ledger.failed(type(error).__name__)
            _quietly(client.close)
            del self.connections[f"{port_name}:{login}"]


def _quietly(call) -> None:
    try:
        call()
    except (OSError, smtplib.SMTPException, poplib.error_proto):
        pass


class Pop3Client(threading.Thread):
    """Logs in again and again, RETRs and DELEs some messages, and mostly says QUIT.

    One session in five ends without QUIT (the connection is just closed): its
    DELEs must not count. ``rng`` decides how many messages a session takes.
    """

    def __init__(self, login: str, password: str, port: int, ledger: Ledger, rng,
                 stop: threading.Event):
        super().__init__(daemon=True)
        self.login, self.password, self.port = login, password, port
        self.ledger, self.rng, self.stop_event = ledger, rng, stop

    def run(self) -> None:
        while not self.stop_event.is_set():
            self.session()
            time.sleep(0.1)  # a busy mail client, not a tight loop competing for the CPU

    def session(self) -> None:
        marked: list[int] = []
        quit_sent = False
        outcome = "dropped"
        try:
            client = poplib.POP3(HOST, self.port, timeout=30)
        except OSError:
            self.ledger.pop3_sessions["no connection"] += 1
            time.sleep(0.05)  # being restarted
            return
        try:
            client.user(self.login)
            client.pass_(self.password)
            count = client.stat()[0]
            take, hang_up = self.rng.randint(1, 40), self.rng.random() < 0.2
            for which in range(1, min(count, take) + 1):
                _, lines, _ = client.retr(which)
                number = number_of(b"\n".join(lines))
                if number is None:  # damaged: the test fails on this outcome
                    outcome = "message without its number"
                    return
                with self.ledger.lock:
                    self.ledger.retrieved += 1
                client.dele(which)
                marked.append(number)
            if hang_up:
                outcome = "closed without QUIT"
                return
            quit_sent = True
            client.quit()
            outcome = "quit"
            with self.ledger.lock:
                self.ledger.deleted.update(marked)
        except (OSError, poplib.error_proto) as error:
            outcome = f"error {str(error)[:40]}"
            if quit_sent:
                with self.ledger.lock:
                    self.ledger.maybe_deleted.update(marked)
        finally:
            self.ledger.pop3_sessions[outcome] += 1
            client.close()


def stored_copies(mail_root: Path) -> collections.Counter:
    """(number, address) -> how many copies the Maildirs under ``mail_root`` hold."""
    found: collections.Counter = collections.Counter()
    for maildir in mail_root.glob("*/*"):
        address = f"{maildir.name}@{maildir.parent.name}"
        for sub in ("new", "cur"):
            folder = maildir / sub
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                number = number_of(path.read_bytes())
                found[(number, address)] += 1
    return found


class TimedList(list):
    """A list that notes when each item was appended (for the sink's messages)."""

    def __init__(self):
        super().__init__()
        self.times: list[float] = []

    def append(self, item) -> None:
        self.times.append(time.monotonic())
        super().append(item)


def sink_copies(sink) -> tuple[collections.Counter, dict[tuple[int, str], list[float]]]:
    """(number, recipient) -> copies the sink took, and when it took each."""
    found: collections.Counter = collections.Counter()
    times: dict[tuple[int, str], list[float]] = collections.defaultdict(list)
    with sink.lock:
        received = list(zip(sink.messages, sink.messages.times, strict=True))
    for item, when in received:
        number = number_of(item.data)
        for recipient in item.rcpt_tos:
            found[(number, recipient.lower())] += 1
            times[(number, recipient.lower())].append(when)
    return found, times


_TRANSACTION = re.compile(rb"\(hostpanel\) with \S+ id (\w+)")
_QUEUED = re.compile(r"mailcore\.smtp: (\w+) from=.* queued as ([\w,]+)")
_DELIVERED = re.compile(r" (\w+) to=<([^>]+)> mx=\S+ result=delivered")


def queue_ids(sink, smtpd_output: str) -> dict[int, set[str]]:
    """number -> the queue ids its remote copies had, read from the trace: the sink's
    copy names our transaction (Received: ... id T), the smtpd's log says what T was
    queued as."""
    queued: dict[str, list[str]] = {}
    for transaction, ids in _QUEUED.findall(smtpd_output):
        queued[transaction] = ids.split(",")
    found: dict[int, set[str]] = collections.defaultdict(set)
    with sink.lock:
        received = list(sink.messages)
    for item in received:
        match = _TRANSACTION.search(item.data)
        if match:
            found[number_of(item.data)].update(queued.get(match.group(1).decode(), ()))
    return found


def logged_deliveries(worker_output: str) -> collections.Counter:
    """(queue id, recipient) -> how many deliveries the workers logged (each after its record)."""
    return collections.Counter(_DELIVERED.findall(worker_output))


def resent_after_kill(key, arrivals, kills, ids, logged) -> bool:
    """Whether the second copy of a remote ``key`` at the sink is the one the crash window
    allows: the worker was killed after the sink took the first copy and before that
    delivery was recorded (so its log has only the retry's delivery), and sent it again."""
    first, second = arrivals[key][:2]
    number, recipient = key
    return (len(arrivals[key]) == 2 and any(first < kill < second for kill in kills)
            and sum(logged[(queue_id, recipient)] for queue_id in ids.get(number, ())) == 1)
