"""When something breaks: temporary failures, nothing lost, no traceback to the client."""

import logging
import smtplib
import time

import pytest

from mailcore.maildir import Maildir
from tests.smtp.helpers import (
    DELIVERED,
    TEMPORARY_FAILURE,
    connect,
    message,
    reply_code,
    send,
    stored_messages,
)


def test_a_delivery_error_is_a_temporary_failure_without_details(smtp_server, jane_maildir,
                                                                 monkeypatch, caplog):
    def broken_disk(self, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Maildir, "deliver", broken_disk)
    with connect(smtp_server) as client:
        client.mail("bob@remote.test")
        client.rcpt("jane@example.com")
        code, text = client.data(message())
    assert reply_code((code, text)) == TEMPORARY_FAILURE
    assert b"space" not in text and b"OSError" not in text
    assert stored_messages(jane_maildir) == []
    assert "No space left on device" in caplog.text  # the operator sees why
    monkeypatch.undo()
    assert send(smtp_server, message())[-1] == DELIVERED  # and the retry works


def test_a_directory_error_is_a_temporary_failure_at_rcpt(smtp_server, monkeypatch):
    def database_down(address):
        raise RuntimeError("database is down")

    monkeypatch.setattr("mailcore.directory.find_route", database_down)
    with connect(smtp_server) as client:
        client.mail("bob@remote.test")
        code, text = client.rcpt("jane@example.com")
    assert reply_code((code, text)) == TEMPORARY_FAILURE
    assert b"database" not in text


def test_it_logs_one_line_per_message(smtp_server, caplog):
    caplog.set_level(logging.INFO, logger="mailcore.smtp")
    original = message()
    assert send(smtp_server, original)[-1] == DELIVERED
    [line] = [r.getMessage() for r in caplog.records if r.name == "mailcore.smtp"]
    assert "from=<bob@remote.test> to=<jane@example.com>" in line
    assert "peer=127.0.0.1" in line
    assert line.endswith(": delivered to jane@example.com")
    assert " size=" in line


def test_an_idle_client_is_disconnected_after_the_timeout(start_smtp, jane):
    server = start_smtp(smtp_timeout=1)
    client = connect(server)
    time.sleep(2)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.noop()
    client.close()
