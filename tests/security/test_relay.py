"""Relay: the classic relay tests against the real SMTP server, both ports.

tests/submission/test_no_open_relay.py sends each trick of its table as a
recipient on the MX from a remote sender. Here the same table runs with the
senders relay testers add (an empty sender, the server's own domain, an IP
literal, a mixed-case local address), through the submission port before AUTH
(refused, nothing queued) and after AUTH, where the user's own mail to a
remote address is queued (and only to the address given), and mail from any
address but the user's own is refused, whatever its spelling.
"""

import pytest

from hostpanel.outbound.models import OutboundMessage
from tests.routing.helpers import mail, queued
from tests.smtp.helpers import (
    AUTH_REQUIRED,
    DELIVERED,
    RECIPIENT_OK,
    SENDER_OK,
    connect,
    reply_code,
)
from tests.submission.conftest import (  # noqa: F401 (fixtures)
    ca,
    client_tls_context,
    start_smtp,
    start_tls_server,
    tls_files,
)
from tests.submission.helpers import NOT_OWNED, logged_in, submission_client
from tests.submission.test_no_open_relay import RELAY_TRICKS, try_relay

BAD_ADDRESS = (553, "5.1.3")
BAD_SYNTAX = (501, "5.1.7")

# Senders of the classic relay tests: nobody, the server's own domain, its users, an IP.
RELAY_SENDERS = ["<>", "<spammer@other.test>", "<jane@example.com>", "<JANE@EXAMPLE.COM.>",
                 "<postmaster@example.com>", "<nobody@example.com>", "<spammer@[127.0.0.1]>",
                 "<spammer@127.0.0.1>"]


def nothing_left_the_server(mail_root) -> bool:
    spool = [p for p in (mail_root.parent / "spool").rglob("*") if p.is_file()]
    return OutboundMessage.objects.count() == 0 and spool == []


@pytest.fixture
def mx(start_smtp, jane):  # noqa: F811 (the fixture imported above)
    return start_smtp()


def test_the_mx_refuses_every_trick_from_any_sender(mx, _mail_root):
    accepted = []
    with connect(mx) as client:
        for sender in RELAY_SENDERS:
            for recipient in RELAY_TRICKS:
                client.rset()
                code, _status = reply_code(client.docmd("MAIL", f"FROM:{sender}"))
                if code == 250:
                    code, _status = try_relay(client, recipient)
                if code == 250:
                    accepted.append(recipient)
                else:
                    assert 500 <= code < 600, (sender, recipient, code)
    assert accepted == []
    assert nothing_left_the_server(_mail_root)
    assert [p for p in _mail_root.rglob("*") if p.is_file()] == []


def test_submission_without_auth_takes_no_trick(start_smtp, jane, _mail_root):  # noqa: F811
    server = start_smtp()
    with submission_client(server) as client:
        for recipient in RELAY_TRICKS:
            assert reply_code(client.docmd("MAIL", "FROM:<>")) == AUTH_REQUIRED
            assert reply_code(client.docmd("RCPT", f"TO:{recipient}")) == AUTH_REQUIRED, \
                recipient
            assert reply_code(client.docmd("DATA")) == AUTH_REQUIRED
    assert nothing_left_the_server(_mail_root)


# MAIL FROM after AUTH as jane@example.com: her own address, however it is written (a
# source route is ignored, RFC 5321 4.1.1.2), goes out as her address ...
OWN_SENDERS = ["<jane@example.com>", "<JANE@EXAMPLE.COM>", "<Jane@Example.Com>",
               '<"jane"@example.com>', "<@other.test:jane@example.com>"]
# ... and any other address is refused.
FOREIGN_SENDERS = [
    "<someone@other.test>", "<jane@other.test>", "<postmaster@example.com>",
    "<john@example.com>", "<jane%other.test@example.com>", "<other.test!jane@example.com>",
    "<jane@example.com@other.test>", "<jane@other.test@example.com>",
    '<"jane@other.test"@example.com>', "<@example.com:jane@other.test>",
    "<jane@example.com.other.test>", "<jane@[127.0.0.1]>", "<jane@[192.0.2.1]>",
    "<jane@example.co>", "<jane.@example.com>", '<"jane "@example.com>', "<jane@example.com.>",
    "<>",
]


@pytest.fixture
def submission(start_tls_server, jane, account_factory, domain):  # noqa: F811
    account_factory(domain, "john")
    return start_tls_server()


def test_the_users_own_mail_to_a_remote_address_is_queued(submission, client_tls_context):  # noqa: F811
    with logged_in(submission, client_tls_context) as client:
        for sender in OWN_SENDERS:
            client.rset()
            assert reply_code(client.docmd("MAIL", f"FROM:{sender}")) == SENDER_OK, sender
            assert reply_code(client.rcpt("someone@other.test")) == RECIPIENT_OK
            assert reply_code(client.data(mail("jane@example.com", "someone@other.test"))) \
                == DELIVERED
    entries = queued()
    assert len(entries) == len(OWN_SENDERS)
    for entry in entries:
        assert (entry["sender"].lower(), entry["recipients"]) == (
            "jane@example.com", ["someone@other.test"])


def test_after_auth_mail_from_any_other_address_is_refused(submission, _mail_root,
                                                           client_tls_context):  # noqa: F811
    with logged_in(submission, client_tls_context) as client:
        for sender in FOREIGN_SENDERS:
            client.rset()
            code, status = reply_code(client.docmd("MAIL", f"FROM:{sender}"))
            assert (code, status) in (NOT_OWNED, BAD_ADDRESS, BAD_SYNTAX), (sender, code, status)
            assert reply_code(client.docmd("RCPT", "TO:<someone@other.test>"))[0] == 503
    assert nothing_left_the_server(_mail_root)
