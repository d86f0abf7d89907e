"""Submission: the envelope sender and From must be the account's own (or one of its forwards)."""

import pytest

from hostpanel.outbound.models import OutboundMessage
from hostpanel.routing.models import Forward
from tests.routing.helpers import inbox, mail
from tests.smtp.helpers import DELIVERED, SENDER_OK, reply_code
from tests.submission.helpers import NOT_OWNED, logged_in


def test_a_foreign_envelope_sender_is_refused(server, client_tls_context):
    with logged_in(server, client_tls_context) as client:
        for sender in ["john@example.com", "jane@other.test", "jane@example.com.evil.test"]:
            assert reply_code(client.mail(sender)) == NOT_OWNED
            client.rset()
        assert reply_code(client.mail("Jane@Example.COM")) == SENDER_OK


def test_the_null_sender_is_refused(server, client_tls_context):
    with logged_in(server, client_tls_context) as client:
        assert reply_code(client.docmd("MAIL", "FROM:<>")) == NOT_OWNED


def test_a_forward_to_the_account_is_one_of_its_senders(server, client_tls_context, domain,
                                                         domain_factory):
    Forward.objects.create(domain=domain, local_part="info",
                           targets=["jane@example.com", "x@remote.test"])
    other = domain_factory("other.example")
    Forward.objects.create(domain=other, local_part="jane", targets=["JANE@example.com"])
    Forward.objects.create(domain=domain, local_part="sales", targets=["john@example.com"])
    with logged_in(server, client_tls_context) as client:
        assert reply_code(client.mail("info@example.com")) == SENDER_OK
        client.rset()
        assert reply_code(client.mail("jane@other.example")) == SENDER_OK
        client.rset()
        assert reply_code(client.mail("sales@example.com")) == NOT_OWNED


@pytest.mark.parametrize(
    "from_header",
    ["From: John <john@example.com>", "From: Jane <jane@example.com>, <eve@remote.test>",
     "X-No-From: here"],
)
def test_a_foreign_or_missing_from_header_is_refused_at_data(server, client_tls_context,
                                                             from_header, account_factory,
                                                             domain):
    account_factory(domain, "john")
    data = mail("jane@example.com", "john@example.com").replace(
        b"From: <jane@example.com>", from_header.encode())
    with logged_in(server, client_tls_context) as client:
        client.mail("jane@example.com")
        client.rcpt("john@example.com")
        assert reply_code(client.data(data)) == NOT_OWNED
    assert inbox("john@example.com") == []
    assert OutboundMessage.objects.count() == 0


def test_a_from_header_with_an_alias_of_the_account_is_accepted(server, client_tls_context,
                                                                domain):
    Forward.objects.create(domain=domain, local_part="info", targets=["jane@example.com"])
    data = mail("info@example.com", "x@remote.test")
    with logged_in(server, client_tls_context) as client:
        client.mail("jane@example.com")
        client.rcpt("x@remote.test")
        assert reply_code(client.data(data)) == DELIVERED
