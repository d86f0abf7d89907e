"""No open relay: the classic relay tests against the MX and the submission listener.

Each trick is sent as a whole transaction (MAIL, the RCPT, and DATA when the
RCPT was accepted). On the MX without AUTH every trick must be refused, or
at most land in a real local mailbox; nothing may ever reach the outbound
queue. The same runs with a catch-all on, which takes any local part.
"""

import smtplib

import pytest

from hostpanel.outbound.models import OutboundMessage
from tests.conftest import PASSWORD
from tests.smtp.helpers import AUTH_REQUIRED, SENDER_OK, connect, message, reply_code
from tests.submission.helpers import NOT_OWNED, logged_in, submission_client

# RCPT TO arguments (as sent), most of them from the classic relay test suites.
RELAY_TRICKS = [
    "<someone@other.test>",
    "<someone@OTHER.TEST>",
    "<someone@other.test.>",
    "<jane%other.test@example.com>",
    "<jane%other.test@EXAMPLE.COM>",
    "<jane%other.test@example.com.>",
    "<other.test!jane@example.com>",
    "<other.test!jane>",
    "<jane%other.test>",
    '<"jane@other.test">',
    '<"jane@other.test"@example.com>',
    '<"jane%other.test"@example.com>',
    '<"other.test!jane"@example.com>',
    "<@example.com:jane@other.test>",
    "<@example.com,@other.test:jane@other.test>",
    "<jane@other.test@example.com>",
    "<jane@example.com@other.test>",
    "<jane@[127.0.0.1]>",
    "<jane@[192.0.2.1]>",
    "<jane@[IPv6:::1]>",
    "<jane%[192.0.2.1]@example.com>",
    "<jane@example.com.other.test>",
    "<jane@127.0.0.1>",
    "<jane@localhost>",
    "<JANE@OTHER.TEST>",
    "<>",
    "jane@other.test",
    "<jane@other.test> NOTIFY=NEVER",
    "<jane\\@other.test@example.com>",
]


def try_relay(client: smtplib.SMTP, recipient: str) -> tuple[int, str]:
    """The RCPT reply; when it was accepted, DATA is sent too."""
    reply = reply_code(client.docmd("RCPT", f"TO:{recipient}"))
    if reply[0] == 250:
        client.data(message(to="someone@other.test"))
    return reply


@pytest.fixture(params=[False, True], ids=["no catch-all", "catch-all"])
def mx(request, start_smtp, jane, domain):
    if request.param:
        domain.catch_all = "jane@example.com"
        domain.save()
    return start_smtp()


@pytest.mark.parametrize("recipient", RELAY_TRICKS)
def test_the_mx_never_relays(mx, recipient, _mail_root, jane_maildir):
    with connect(mx) as client:
        client.mail("spammer@other.test")
        code, _status = try_relay(client, recipient)
    assert OutboundMessage.objects.count() == 0
    spool_files = [p for p in (_mail_root.parent / "spool").rglob("*") if p.is_file()]
    assert spool_files == []
    stored = [p for p in _mail_root.rglob("*") if p.is_file() and "new" in p.parts]
    if code == 250:  # only a real mailbox of ours may have it
        assert all(path.parent.parent == jane_maildir for path in stored)
    else:
        assert 500 <= code < 600
        assert stored == []


@pytest.mark.parametrize("recipient", RELAY_TRICKS[:6])
def test_submission_without_auth_relays_nothing(start_smtp, jane, recipient):
    server = start_smtp()
    with submission_client(server) as client:
        assert reply_code(client.mail("jane@example.com")) == AUTH_REQUIRED
        assert reply_code(client.docmd("RCPT", f"TO:{recipient}")) == AUTH_REQUIRED
    assert OutboundMessage.objects.count() == 0


@pytest.mark.parametrize("sender", ["someone@other.test", "jane@other.test",
                                    "postmaster@example.com", "jane%other.test@example.com"])
def test_submission_with_auth_sends_only_as_the_user(start_smtp, tls_files, client_tls_context,
                                                     jane, sender):
    cert, key = tls_files
    server = start_smtp(tls_cert=cert, tls_key=key)
    with logged_in(server, client_tls_context, "jane@example.com", PASSWORD) as client:
        assert reply_code(client.mail(sender)) == NOT_OWNED
        client.rset()
        assert reply_code(client.mail("jane@example.com")) == SENDER_OK
    assert OutboundMessage.objects.count() == 0
