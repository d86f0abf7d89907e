"""Quota per account, over SMTP: refused when full, stored mail never removed."""

import smtplib

import pytest

from hostpanel.domains import services
from mailcore.maildir import Maildir, maildir_path
from tests.smtp.helpers import (
    DELIVERED,
    MAILBOX_FULL,
    RECIPIENT_OK,
    connect,
    message,
    reply_code,
    send,
    stored_messages,
)

MB = 1024 * 1024


def fill(maildir, size: int) -> None:
    """Put a message of ``size`` bytes straight into the Maildir."""
    Maildir(maildir).deliver(b"Subject: filler\n\n" + b"x" * (size - 18) + b"\n")


@pytest.fixture
def small_jane(smtp_server, jane):
    services.update_account(jane, quota_mb=1)
    return jane


def test_a_full_mailbox_is_refused_at_rcpt(smtp_server, small_jane, jane_maildir):
    fill(jane_maildir, MB)
    assert send(smtp_server, message())[1] == MAILBOX_FULL
    assert len(stored_messages(jane_maildir)) == 1


def test_a_declared_size_over_what_is_left_is_refused_at_rcpt(smtp_server, small_jane,
                                                              jane_maildir):
    fill(jane_maildir, MB - 50_000)
    with connect(smtp_server) as client:
        client.mail("bob@remote.test", ["SIZE=60000"])
        assert reply_code(client.rcpt("jane@example.com")) == MAILBOX_FULL
        client.rset()
        client.mail("bob@remote.test", ["SIZE=10000"])
        assert reply_code(client.rcpt("jane@example.com")) == RECIPIENT_OK


def test_smtplib_hears_mailbox_full_for_a_message_that_does_not_fit(smtp_server, small_jane,
                                                                   jane_maildir):
    fill(jane_maildir, MB - 50_000)
    big = message(body=("z" * 76 + "\r\n") * 1000)
    with connect(smtp_server) as client, pytest.raises(smtplib.SMTPRecipientsRefused) as error:
        client.sendmail("bob@remote.test", ["jane@example.com"], big)  # declares SIZE=
    code, text = error.value.recipients["jane@example.com"]
    assert reply_code((code, text)) == MAILBOX_FULL


def test_a_message_that_does_not_fit_is_refused_at_data(smtp_server, small_jane, jane_maildir):
    fill(jane_maildir, MB - 50_000)
    big = message(body=("z" * 76 + "\r\n") * 1000)  # about 78 kB; no SIZE= declared
    assert send(smtp_server, big) == [(250, "2.1.0"), RECIPIENT_OK, MAILBOX_FULL]
    assert len(stored_messages(jane_maildir)) == 1
    assert not list((jane_maildir / "tmp").iterdir())


def test_with_mixed_recipients_everyone_gets_the_message(smtp_server, small_jane, domain,
                                                         account_factory, jane_maildir):
    # After DATA there is one reply for all recipients: refusing would bounce
    # John's copy because of Jane's mailbox, dropping Jane's copy would lose it.
    # So the message goes to both, taking Jane over her quota by this message.
    account_factory(domain, "john")
    fill(jane_maildir, MB - 50_000)
    big = message(body=("z" * 76 + "\r\n") * 1000)
    replies = send(smtp_server, big, to=["jane@example.com", "john@example.com"])
    assert replies[-1] == DELIVERED
    assert len(stored_messages(jane_maildir)) == 2
    assert len(stored_messages(jane_maildir.parent / "john")) == 1
    # ... and she gets nothing more until she makes room.
    assert send(smtp_server, message())[1] == MAILBOX_FULL


def test_no_limit_when_the_quota_is_zero(smtp_server, jane, jane_maildir):
    services.update_account(jane, quota_mb=0)
    fill(jane_maildir, 3 * MB)
    assert send(smtp_server, message())[-1] == DELIVERED


def test_lowering_the_quota_keeps_the_mail_already_stored(smtp_server, jane, jane_maildir):
    services.update_account(jane, quota_mb=2)
    big = message(body=("q" * 998 + "\r\n") * 1500)  # 1.5 MB
    assert send(smtp_server, big)[-1] == DELIVERED
    [before] = stored_messages(jane_maildir)

    services.update_account(jane, quota_mb=1)

    assert stored_messages(jane_maildir) == [before]
    assert send(smtp_server, message())[1] == MAILBOX_FULL
    assert stored_messages(jane_maildir) == [before]
    assert Maildir(maildir_path(jane_maildir.parent.parent, "example.com", "jane")).usage() \
        == len(before)
