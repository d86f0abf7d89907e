"""``manage.py smtpd`` as a real process: crash safety and a clean stop."""

import signal
import smtplib

import pytest

from mailcore.maildir import to_lf
from tests.smtp.helpers import (
    AUTH_REQUIRED,
    CLIENT_NAME,
    DELIVERED,
    SmtpdProcess,
    message,
    reply_code,
    stored_messages,
    strip_received,
)


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
