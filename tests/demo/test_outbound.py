"""No mail leaves the demo: what the queue would send elsewhere lands in the demo's outbox.

Real parts throughout: the SMTP server (submission with AUTH), the DNS server that
names the sink as ``remote.test``'s MX (or the sink as smarthost), and the queue run
in this process as the Celery task runs it.
"""

import dataclasses
import email
import email.policy
import logging
import smtplib

import pytest
from django.conf import settings

from hostpanel.demo import CATCH_ALL_LOGIN, USER_LOGIN, USER_PASSWORD
from hostpanel.domains.models import Account
from hostpanel.outbound.models import OutboundMessage
from mailcore.directory import server_config
from mailcore.maildir import Maildir, maildir_path
from mailcore.queue import spool
from tests.demo.safety import demo_mode_fixture, demo_site_fixture  # noqa: F401
from tests.net import run_queue
from tests.smtp.helpers import (
    CLIENT_NAME,
    DELIVERED,
    RECIPIENT_OK,
    SERVER_NAME,
    TOO_MANY_RECIPIENTS,
    ServerThread,
    connect,
    reply_code,
)

REMOTE = "remote.test"


@pytest.fixture
def smtp_server(transactional_db, settings):
    """The SMTP server (submission without TLS from loopback), started after the settings."""
    settings.HOSTPANEL_HOSTNAME = SERVER_NAME
    started = []

    def start():
        config = dataclasses.replace(server_config(), auth_plaintext_loopback=True)
        started.append(ServerThread(config))
        return started[-1].start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def remote(test_dns, sink):
    """``remote.test`` whose MX is the sink: where mail would go without the demo."""
    test_dns.add_mail_domain(REMOTE)
    return sink


def submit(server, recipients, subject="Offer", login=USER_LOGIN, password=USER_PASSWORD):
    sender = login
    data = (f"From: <{sender}>\r\nTo: <{recipients[0]}>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject}.1@demo.example>\r\n\r\nHello from the demo.\r\n").encode()
    with smtplib.SMTP(server.host, server.submission_port, local_hostname=CLIENT_NAME,
                      timeout=10) as client:
        client.ehlo()
        client.login(login, password)
        client.mail(sender)
        replies = [reply_code(client.rcpt(address)) for address in recipients]
        if all(reply == RECIPIENT_OK for reply in replies):
            replies.append(reply_code(client.data(data)))
    return replies


def outbox() -> list[email.message.EmailMessage]:
    local, _, domain = CATCH_ALL_LOGIN.partition("@")
    box = Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, domain, local))
    return [email.message_from_bytes(m.path.read_bytes(), policy=email.policy.default)
            for m in box.messages()]


def kept(subject: str) -> list[email.message.EmailMessage]:
    return [message for message in outbox() if message["Subject"] == subject]


def test_mail_to_another_domain_lands_in_the_outbox_and_nothing_is_sent(demo_site, remote,
                                                                       smtp_server):
    server = smtp_server()
    assert submit(server, ["bob@remote.test", "ann@remote.test"]) == [
        RECIPIENT_OK, RECIPIENT_OK, DELIVERED]

    [queue_id] = run_queue()

    assert remote.messages == []
    copies = kept("Offer")
    assert sorted(str(m["X-Demo-Original-To"]) for m in copies) == [
        "<ann@remote.test>", "<bob@remote.test>"]
    assert all(str(m["X-Demo-Envelope-From"]) == f"<{USER_LOGIN}>" for m in copies)
    assert all(m.get_content().strip() == "Hello from the demo." for m in copies)
    entry = OutboundMessage.objects.get(pk=queue_id)
    assert entry.done
    assert set(entry.recipients.values_list("state", flat=True)) == {"delivered"}
    assert not spool.message_path(settings.HOSTPANEL_SPOOL, queue_id).exists()


def test_the_smarthost_gets_nothing_either(demo_site, sink, smtp_server, settings):
    settings.HOSTPANEL_SMARTHOST = f"127.0.0.1:{sink.port}"
    server = smtp_server()
    assert submit(server, ["bob@elsewhere.test"], subject="Via relay")[-1] == DELIVERED
    run_queue()
    assert sink.messages == []
    [copy] = kept("Via relay")
    assert str(copy["X-Demo-Original-To"]) == "<bob@elsewhere.test>"


def test_a_list_posts_copy_for_a_remote_subscriber_stays_in_the_outbox(demo_site, remote,
                                                                      smtp_server):
    team = demo_site.mailing_lists.get(local_part="team")
    remote_members = [m.address for m in team.members.all() if not m.address.endswith(
        "@demo.example")]
    assert remote_members  # the fixture has one (lucia.perez@example.org)
    server = smtp_server()
    assert submit(server, ["team@demo.example"], subject="Team news")[-1] == DELIVERED

    run_queue()

    assert remote.messages == []
    originals = sorted(str(m["X-Demo-Original-To"]) for m in kept("[team] Team news")
                       + kept("Team news") if m["X-Demo-Original-To"])
    assert originals == sorted(f"<{address}>" for address in remote_members)
    assert not OutboundMessage.objects.filter(done=False).exists()


def test_a_bounce_to_a_remote_sender_stays_in_the_outbox(demo_site, remote, settings):
    data = (b"From: <mailer-daemon@demo.example>\r\nTo: <bob@remote.test>\r\n"
            b"Subject: Undelivered Mail\r\n\r\nSorry.\r\n")
    queue_id = spool.enqueue(settings.HOSTPANEL_SPOOL, data, "", ["bob@remote.test"],
                             origin="bounce", domain="demo.example")
    run_queue()
    assert remote.messages == []
    [copy] = kept("Undelivered Mail")
    assert (str(copy["X-Demo-Original-To"]), str(copy["X-Demo-Envelope-From"])) == (
        "<bob@remote.test>", "<>")
    assert OutboundMessage.objects.get(pk=queue_id).done


def test_without_the_outbox_account_the_copy_is_dropped_never_sent(demo_site, remote,
                                                                  smtp_server, caplog):
    Account.objects.filter(username=CATCH_ALL_LOGIN).delete()
    server = smtp_server()
    assert submit(server, ["bob@remote.test"], subject="Lost")[-1] == DELIVERED

    with caplog.at_level(logging.WARNING, logger="mailcore.queue"):
        [queue_id] = run_queue()

    assert remote.messages == []
    assert any("dropped, not sent: the demo's outbox <outbox@demo.example> does not exist"
               in record.getMessage() for record in caplog.records)
    assert OutboundMessage.objects.get(pk=queue_id).done


def test_a_message_takes_at_most_ten_recipients_in_the_demo(demo_site, remote, smtp_server):
    server = smtp_server()
    recipients = [f"r{number}@remote.test" for number in range(11)]
    replies = submit(server, recipients, subject="Many")
    assert replies[:10] == [RECIPIENT_OK] * 10
    assert replies[10] == TOO_MANY_RECIPIENTS


def test_outside_the_demo_the_same_mail_reaches_the_remote_server(remote, smtp_server, settings,
                                                                 domain, account_factory):
    """The check above is not empty: without demo mode the sink does get the message."""
    settings.HOSTPANEL_DEMO = False
    account_factory(domain, "jane", password="correct-horse-battery")
    server = smtp_server()
    assert submit(server, ["bob@remote.test"], subject="Real", login="jane@example.com",
                  password="correct-horse-battery")[-1] == DELIVERED
    run_queue()
    [received] = remote.messages
    assert received.rcpt_tos == ["bob@remote.test"]
    assert b"X-Demo-Original-To" not in received.data


def test_one_address_sends_at_most_ten_messages_a_minute_to_the_demo(demo_site, smtp_server):
    """Nobody fills the demo's mailboxes between two resets: the 11th MAIL in a minute
    from one address gets a temporary refusal (a real sender retries later)."""
    server = smtp_server()
    with connect(server) as client:
        for number in range(10):
            assert client.sendmail("bob@remote.test", [USER_LOGIN],
                                   f"Subject: {number}\r\n\r\nhello\r\n".encode()) == {}
        code, text = client.mail("bob@remote.test")
    assert (code, text.decode()) == (451, "4.7.1 Too many messages from your address in the "
                                          "demo, try again later")


def test_outside_the_demo_one_address_may_send_more(smtp_server, settings, domain,
                                                    account_factory):
    settings.HOSTPANEL_DEMO = False
    account_factory(domain, "jane")
    server = smtp_server()
    with connect(server) as client:
        for number in range(12):
            assert client.sendmail("bob@remote.test", ["jane@example.com"],
                                   f"Subject: {number}\r\n\r\nhello\r\n".encode()) == {}
