"""Submission after AUTH: remote mail to the outbound queue, local mail routed like inbound."""

import dkim

from hostpanel.outbound.models import DkimKey
from hostpanel.routing.models import Forward, Routing
from tests.net import run_queue
from tests.routing.helpers import delivered_to, inbox, mail, parse, queued
from tests.smtp.helpers import DELIVERED, RECIPIENT_OK, UNKNOWN_USER, reply_code
from tests.submission.helpers import logged_in


def submit(server, context, recipients, data=None, sender="jane@example.com"):
    with logged_in(server, context) as client:
        client.mail(sender)
        replies = [reply_code(client.rcpt(address)) for address in recipients]
        replies.append(reply_code(client.data(data or mail(sender, recipients[0]))))
    return replies


def test_mail_to_a_remote_address_is_queued_for_the_accounts_domain(server,
                                                                    client_tls_context):
    data = mail("jane@example.com", "x@remote.test")
    assert submit(server, client_tls_context, ["x@remote.test", "Y@Other.test"], data) == [
        RECIPIENT_OK, RECIPIENT_OK, DELIVERED]
    [entry] = queued()
    assert (entry["origin"], entry["sender"], entry["domain"]) == (
        "submission", "jane@example.com", "example.com")
    assert entry["recipients"] == ["Y@other.test", "x@remote.test"]
    assert entry["data"].startswith(b"Received: from client.test.example")
    assert b" with ESMTPSA (TLSv1." in entry["data"].split(b"\r\n\r\n")[0]
    assert entry["data"].endswith(data)


def test_queued_mail_reaches_the_remote_server_signed(server, client_tls_context, test_dns,
                                                      sink, domain):
    test_dns.add_mail_domain("remote.test")
    key = DkimKey.objects.get(domain=domain)
    test_dns.add(key.dns_name, "TXT", key.dns_value)
    data = mail("jane@example.com", "x@remote.test", "Report")
    assert submit(server, client_tls_context, ["x@remote.test"], data)[-1] == DELIVERED
    run_queue()
    [sent] = sink.messages
    assert (sent.mail_from, sent.rcpt_tos) == ("jane@example.com", ["x@remote.test"])
    assert parse(sent.data)["Subject"] == "Report"
    assert dkim.verify(sent.data, dnsfunc=test_dns.dkim_dnsfunc())


def test_mail_to_a_local_address_is_delivered_like_inbound_mail(server, client_tls_context,
                                                                domain, account_factory):
    account_factory(domain, "john")
    data = mail("jane@example.com", "john@example.com")
    assert submit(server, client_tls_context, ["john@example.com"], data)[-1] == DELIVERED
    [stored] = inbox("john@example.com")
    assert delivered_to(stored) == ["john@example.com"]
    assert b" with ESMTPSA (TLSv1." in stored
    assert queued() == []


def test_local_and_remote_recipients_in_one_message(server, client_tls_context, domain):
    Forward.objects.create(domain=domain, local_part="team",
                           targets=["jane@example.com", "t@remote.test"])
    replies = submit(server, client_tls_context,
                     ["team@example.com", "x@remote.test", "jane@example.com"])
    assert replies[-1] == DELIVERED
    assert len(inbox("jane@example.com")) == 1
    assert sorted((entry["origin"], tuple(entry["recipients"])) for entry in queued()) == [
        ("forward", ("t@remote.test",)), ("submission", ("x@remote.test",))]


def test_a_local_recipient_on_vacation_answers_the_sender_in_her_mailbox(
        server, client_tls_context, domain, account_factory):
    john = account_factory(domain, "john")
    Routing.objects.create(account=john, vacation_enabled=True, vacation_message="Away.")
    submit(server, client_tls_context, ["john@example.com"],
           mail("jane@example.com", "john@example.com", "Lunch?"))
    [reply] = inbox("jane@example.com")
    assert parse(reply)["Subject"] == "Re: Lunch?"
    assert parse(reply)["Auto-Submitted"] == "auto-replied"
    assert queued() == []


def test_unknown_local_recipients_and_address_literals_are_refused(server, client_tls_context):
    with logged_in(server, client_tls_context) as client:
        client.mail("jane@example.com")
        assert reply_code(client.rcpt("nobody@example.com")) == UNKNOWN_USER
        assert reply_code(client.rcpt("x@[192.0.2.1]")) == (550, "5.1.2")
        assert reply_code(client.rcpt("jane%remote.test@example.com")) == (501, "5.1.3")
