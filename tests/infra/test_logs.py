"""Structured logs: with HOSTPANEL_LOG_FORMAT=json every line a process writes is one JSON
object, and each SMTP transaction, refused recipient, POP3 session and delivery attempt
is one line carrying its fields and outcome.
"""

import dataclasses
import datetime
import io
import json
import logging
import os
import poplib
import re
import signal
import smtplib
import subprocess
import sys

import pytest
from django.conf import settings

from hostpanel.lib.logs import JsonFormatter
from mailcore.directory import server_config
from mailcore.maildir import Maildir, maildir_path
from mailcore.queue import delivery
from tests.conftest import PASSWORD
from tests.queue.helpers import enqueue
from tests.smtp.helpers import (
    CLIENT_NAME,
    SERVER_NAME,
    ServerThread,
    SmtpdProcess,
    connect,
    message,
)
from tests.support import REPO, database_url_for_children, free_ports, wait_until


def parsed(lines: list[str]) -> list[dict]:
    """Every line as JSON: a line that is not one fails the test."""
    entries = []
    for line in lines:
        if line.strip():
            try:
                entries.append(json.loads(line))
            except ValueError:
                pytest.fail(f"not a JSON line: {line!r}")
    return entries


def events(entries: list[dict], name: str) -> list[dict]:
    return [entry for entry in entries if entry.get("event") == name]


def smtp_transactions(caplog) -> list[dict]:
    """The smtp.transaction lines the SMTP server logged in this test, as JSON."""
    formatter = JsonFormatter()
    entries = [json.loads(formatter.format(record)) for record in caplog.records
               if record.name == "mailcore.smtp"]
    return events(entries, "smtp.transaction")


@pytest.fixture
def jane_committed(transactional_db, jane):
    return jane


@pytest.fixture
def json_logs(monkeypatch):
    """Servers started by the test write JSON logs."""
    monkeypatch.setenv("HOSTPANEL_LOG_FORMAT", "json")


# The SMTP server, as its own process.

def loop_message() -> bytes:
    """A message that went through more than 100 servers: refused as a mail loop."""
    hops = "".join(f"Received: from hop{n}.test by hop{n + 1}.test; "
                   "Mon, 02 Jun 2025 10:00:00 +0000\r\n" for n in range(101))
    return hops.encode() + message(subject="Looping")


def test_each_smtp_transaction_is_one_json_line_with_its_outcome(jane_committed, json_logs,
                                                                _mail_root):
    with SmtpdProcess(_mail_root) as smtpd, smtplib.SMTP(
        "127.0.0.1", smtpd.mx_port, local_hostname=CLIENT_NAME, timeout=10
    ) as client:
        assert client.sendmail("bob@remote.test", ["jane@example.com"], message()) == {}
        client.mail("bob@remote.test")
        assert client.rcpt("nobody@example.com")[0] == 550
        assert client.rcpt("jane@example.com")[0] == 250
        assert client.data(loop_message())[0] == 554

        def logged():
            entries = parsed([line for line in smtpd.output
                              if not line.startswith("smtpd listening on ")])
            return entries if len(events(entries, "smtp.transaction")) == 2 else None

        entries = wait_until(logged, 10, "two smtp.transaction lines")

    accepted, rejected = events(entries, "smtp.transaction")
    assert accepted["logger"] == "mailcore.smtp" and accepted["level"] == "INFO"
    assert accepted["outcome"] == "accepted"
    assert re.fullmatch(r"250 2\.0\.0 OK: delivered as \w+", accepted["reply"])
    assert accepted["reply"].endswith(accepted["transaction"])
    assert accepted["client"] == "127.0.0.1"
    assert accepted["helo"] == CLIENT_NAME
    assert accepted["from"] == "bob@remote.test"
    assert accepted["to"] == ["jane@example.com"]
    assert accepted["size"] == len(message())
    assert accepted["tls"] is None and accepted["auth"] is None
    assert accepted["detail"] == "delivered to jane@example.com"
    assert isinstance(accepted["spam_score"], float)
    assert accepted["message"].startswith(accepted["transaction"] + " from=<bob@remote.test>")
    assert datetime.datetime.fromisoformat(accepted["time"]).utcoffset() == datetime.timedelta(0)

    assert rejected["outcome"] == "rejected"
    assert rejected["reply"] == "554 5.4.6 Too many hops (mail loop?)"
    assert rejected["to"] == ["jane@example.com"]
    assert rejected["transaction"] != accepted["transaction"]

    [refused] = events(entries, "smtp.rcpt_rejected")
    assert refused["to"] == "nobody@example.com"
    assert refused["from"] == "bob@remote.test"
    assert refused["client"] == "127.0.0.1"
    assert refused["outcome"] == "rejected"
    assert refused["reply"] == "550 5.1.1 No such user here"
    assert refused["reason"] == "unknown user"


def test_a_message_the_virus_scanner_could_not_check_is_one_deferred_line(
    transactional_db, jane, settings, caplog
):
    settings.HOSTPANEL_HOSTNAME = SERVER_NAME
    nothing_listens = free_ports(1)[0]
    config = dataclasses.replace(server_config(), clamd=f"127.0.0.1:{nothing_listens}")
    server = ServerThread(config)
    listening = server.start()
    try:
        with caplog.at_level(logging.INFO, logger="mailcore.smtp"), connect(listening) as client:
            client.mail("bob@remote.test")
            client.rcpt("jane@example.com")
            assert client.data(message())[0] == 451
    finally:
        server.stop()
    [line] = smtp_transactions(caplog)
    assert line["level"] == "WARNING"
    assert line["outcome"] == "deferred"
    assert line["reply"] == "451 4.7.1 Virus scanner unavailable, try again later"
    assert line["detail"].startswith("virus scanner unavailable: ")
    assert line["to"] == ["jane@example.com"] and line["from"] == "bob@remote.test"


@pytest.mark.parametrize(("body", "reply", "detail"), [
    (b"x" * 3000, "552 5.3.4 Message size exceeds fixed maximum message size",
     "refused: over the size limit"),
    (b"y" * 2000, "500 5.5.2 Line too long (RFC 5321 4.5.3.1.6)", "refused: line too long"),
])
def test_a_message_the_engine_refuses_itself_is_one_rejected_line(
    transactional_db, jane, settings, caplog, body, reply, detail
):
    """Over the size limit or with a line over 998 octets, aiosmtpd refuses the message
    before our handler sees it: the transaction is logged all the same."""
    settings.HOSTPANEL_HOSTNAME = SERVER_NAME
    config = dataclasses.replace(server_config(), message_size_limit=2048)
    server = ServerThread(config)
    listening = server.start()
    content = message() + (body if b"y" in body else b"\r\n".join([body[:900]] * 4))
    try:
        with caplog.at_level(logging.INFO, logger="mailcore.smtp"), connect(listening) as client:
            client.mail("bob@remote.test")
            client.rcpt("jane@example.com")
            code, text = client.data(content)
            assert f"{code} {text.decode()}" == reply
    finally:
        server.stop()
    [line] = smtp_transactions(caplog)
    assert line["outcome"] == "rejected"
    assert line["reply"] == reply
    assert line["detail"] == detail
    assert line["to"] == ["jane@example.com"] and line["from"] == "bob@remote.test"


# The POP3 server, as its own process.

def test_a_pop3_session_is_one_json_line_with_what_it_did(jane_committed, json_logs):
    Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, "example.com", "jane")).deliver(message())
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings",
               HOSTPANEL_MAIL_ROOT=str(settings.HOSTPANEL_MAIL_ROOT),
               DATABASE_URL=database_url_for_children())
    process = subprocess.Popen(
        [sys.executable, "manage.py", "pop3d", "--host", "127.0.0.1", "--port", "0"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first_line = process.stdout.readline()
        match = re.fullmatch(r"pop3d listening on 127\.0\.0\.1:(\d+)\n", first_line)
        assert match, first_line or process.stderr.read()
        client = poplib.POP3("127.0.0.1", int(match.group(1)), timeout=10)
        client.user("jane@example.com")
        client.pass_(PASSWORD)
        assert b"Subject: Hello" in b"\n".join(client.retr(1)[1])
        client.dele(1)
        client.quit()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        entries = parsed(process.stderr.read().splitlines())
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    [session] = events(entries, "pop3.session")
    assert session["logger"] == "mailcore.pop3.server"
    assert session["client"] == "127.0.0.1"
    assert session["login"] == "jane@example.com"
    assert session["tls"] is False
    assert session["retrieved"] == 1 and session["deleted"] == 1
    assert session["outcome"] == "quit"
    assert session["duration"] >= 0
    assert session["message"].startswith("pop3 session client=127.0.0.1 login=jane@example.com")


# The outbound queue (in this process, as the Celery task runs it).

def test_each_delivery_attempt_is_one_json_line_per_recipient(jane, test_dns, sink, caplog):
    test_dns.add_mail_domain("remote.test")
    sink.answer_rcpt("carol@remote.test", "550 5.1.1 no such user")
    queue_id = enqueue(recipients=["bob@remote.test", "carol@remote.test"])
    with caplog.at_level(logging.INFO, logger="mailcore.queue"):
        delivery.attempt(queue_id)
    formatter = JsonFormatter()
    entries = events([json.loads(formatter.format(record)) for record in caplog.records],
                     "queue.delivery")

    bob, carol = sorted(entries, key=lambda entry: entry["recipients"])
    assert bob["queue_id"] == carol["queue_id"] == queue_id
    assert bob["recipients"] == ["bob@remote.test"]
    assert bob["from"] == "jane@example.com"
    assert bob["host"] == "mx.remote.test"
    assert bob["outcome"] == "delivered"
    assert bob["reply"].startswith("250 ")
    assert bob["attempt"] == 1
    assert carol["outcome"] == "failed"
    assert carol["status"] == "5.1.1"
    assert carol["reply"] == "550 5.1.1 no such user"
    assert carol["message"] == (f"{queue_id} to=<carol@remote.test> mx=mx.remote.test "
                                "result=failed 550 5.1.1 no such user")


# The formatter.

def json_lines(emit) -> list[dict]:
    """What ``emit(logger)`` logs, through a handler with the JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.handleError = lambda record: pytest.fail("the formatter raised")
    logger = logging.Logger("tests.infra.logs", logging.DEBUG)  # outside the hierarchy
    logger.addHandler(handler)
    emit(logger)
    lines = stream.getvalue().splitlines()
    assert all(line.startswith("{") for line in lines), lines
    return [json.loads(line) for line in lines]


def test_an_exception_is_a_field_with_its_traceback():
    def emit(logger):
        try:
            {}["missing"]
        except KeyError:
            logger.exception("look-up of %s failed", "missing", extra={"event": "test.failure"})

    [entry] = json_lines(emit)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "tests.infra.logs"
    assert entry["message"] == "look-up of missing failed"
    assert entry["event"] == "test.failure"
    assert entry["exception"].startswith("Traceback (most recent call last):")
    assert "KeyError: 'missing'" in entry["exception"]


class Unprintable:
    def __str__(self):
        raise RuntimeError("no text")

    def __repr__(self):
        raise RuntimeError("no text either")


def test_values_json_cannot_hold_are_written_as_text_and_never_fail():
    cycle = []
    cycle.append(cycle)
    odd = {
        "unprintable": Unprintable(),
        "address": ("jane@example.com",),
        "raw": b"caf\xc3\xa9 \xff",
        "score": float("nan"),
        "by_pair": {("a", 1): "pair key"},
        "cycle": cycle,
        "when": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        "waited": datetime.timedelta(seconds=1.5),
        "lines": "one\ntwo",
        "level": "not the record's level",
    }

    def emit(logger):
        logger.info("odd values", extra=odd)
        logger.warning("%d messages", "not a number")  # a format string that does not fit

    first, second = json_lines(emit)
    assert first["level"] == "INFO" and first["message"] == "odd values"
    assert first["unprintable"] == "<unprintable Unprintable>"
    assert first["address"] == ["jane@example.com"]
    assert first["raw"] == "café \ufffd"
    assert first["score"] == "nan"
    assert first["by_pair"] == {"('a', 1)": "pair key"}
    assert isinstance(first["cycle"], list)
    assert first["when"] == "2026-01-02T03:04:05+00:00"
    assert first["waited"] == 1.5
    assert first["lines"] == "one\ntwo"
    assert first["extra.level"] == "not the record's level"
    assert second["level"] == "WARNING"
    assert "%d messages" in second["message"] and "not a number" in second["message"]


# The setting.

def test_an_unknown_log_format_stops_the_process_naming_the_variable():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings", HOSTPANEL_LOG_FORMAT="xml")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "HOSTPANEL_LOG_FORMAT must be \"text\" or \"json\", not 'xml'" in result.stderr
