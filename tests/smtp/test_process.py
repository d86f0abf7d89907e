"""``manage.py smtpd`` as a real process: crash safety and a clean stop."""

import os
import queue
import signal
import smtplib
import subprocess
import sys
import threading

import pytest

from mailcore.maildir import to_lf
from tests.smtp.helpers import (
    AUTH_REQUIRED,
    BASE_DIR,
    CLIENT_NAME,
    DELIVERED,
    SERVER_NAME,
    SmtpdProcess,
    message,
    reply_code,
    stored_messages,
    strip_received,
)
from tests.support import database_url_for_children, free_ports


@pytest.fixture
def jane_committed(transactional_db, jane):
    return jane


def test_a_message_is_complete_in_new_when_the_server_is_killed_right_after_250(
    jane_committed, _mail_root, jane_maildir
):
    original = message(body=("line of a long enough message\r\n" * 2000))
    with SmtpdProcess(_mail_root) as smtpd, smtplib.SMTP(
        "127.0.0.1", smtpd.mx_port, local_hostname=CLIENT_NAME, timeout=10
    ) as client:
        client.ehlo()
        client.mail("bob@remote.test")
        client.rcpt("jane@example.com")
        reply = client.data(original)
        smtpd.kill()  # SIGKILL: no chance to finish anything after the 250
    assert reply_code(reply) == DELIVERED
    [stored] = stored_messages(jane_maildir)
    assert strip_received(stored)[1] == to_lf(original)

    # A new server on the same Maildir carries on.
    with SmtpdProcess(_mail_root) as smtpd, smtplib.SMTP("127.0.0.1", smtpd.mx_port,
                                                          timeout=10) as client:
        assert client.sendmail("bob@remote.test", ["jane@example.com"], message()) == {}
    assert len(stored_messages(jane_maildir)) == 2


def test_sigterm_stops_the_server_with_exit_code_0(jane_committed, _mail_root):
    with SmtpdProcess(_mail_root) as smtpd:
        with smtplib.SMTP("127.0.0.1", smtpd.submission_port, timeout=10) as client:
            client.ehlo(CLIENT_NAME)
            assert reply_code(client.mail("jane@example.com")) == AUTH_REQUIRED
        smtpd.process.send_signal(signal.SIGTERM)
        assert smtpd.process.wait(timeout=5) == 0
    with pytest.raises(OSError):
        smtplib.SMTP("127.0.0.1", smtpd.mx_port, timeout=2)


class SharedPortSmtpd(SmtpdProcess):
    """``manage.py smtpd --reuse-port`` on a given MX port (submission: any free port)."""

    def __init__(self, mail_root, port: int, timeout: float = 30):
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings",
                   DATABASE_URL=database_url_for_children(), HOSTPANEL_MAIL_ROOT=str(mail_root),
                   HOSTPANEL_HOSTNAME=SERVER_NAME, PYTHONUNBUFFERED="1")
        self.output: list[str] = []
        self._lines: queue.Queue = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "smtpd", "--port", str(port), "--submission-port", "0",
             "--reuse-port"],
            cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        self._listening(2, timeout)
        self.mx_port = port


def test_two_processes_with_reuse_port_serve_the_same_port(jane_committed, _mail_root,
                                                           jane_maildir):
    [port] = free_ports(1)
    first = SharedPortSmtpd(_mail_root, port)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            assert client.sendmail("bob@remote.test", ["jane@example.com"], message()) == {}
        # A second process takes the same port while the first one listens ...
        with SharedPortSmtpd(_mail_root, port) as second:
            first.kill()
            # ... and serves it alone once the first is gone.
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
                assert client.sendmail("bob@remote.test", ["jane@example.com"],
                                       message()) == {}
            assert second.process.poll() is None
    finally:
        first.kill()
    assert len(stored_messages(jane_maildir)) == 2
