"""Delivery attempts of queued messages to a real sink SMTP server found through a real DNS server.

Each test queues a message with the spool (as the SMTP server does), then runs
``delivery.attempt`` in this process, as the Celery task would.
"""

import logging
import ssl
import threading
from datetime import timedelta

import dkim
import pytest
import trustme
from django.conf import settings
from django.db import connections
from django.utils import timezone

from hostpanel.outbound.models import OutboundMessage
from mailcore.maildir import maildir_path
from mailcore.queue import delivery, spool
from tests.net import SinkServer
from tests.queue.helpers import enqueue, message, parse, queued, states


def publish_dkim_key(test_dns, domain):
    key = domain.dkim_key
    test_dns.add(key.dns_name, "TXT", key.dns_value)
    return key


def signature_tags(data: bytes) -> dict[str, str]:
    value = parse(data)["DKIM-Signature"]
    pairs = (tag.split("=", 1) for tag in "".join(str(value).split()).split(";") if tag)
    return {name: text for name, text in pairs}


def make_due(queue_id):
    OutboundMessage.objects.filter(pk=queue_id).update(next_attempt_at=timezone.now())


def test_a_queued_message_reaches_the_remote_mx_signed_with_the_domains_dkim_key(
    jane, remote, test_dns
):
    key = publish_dkim_key(test_dns, jane.domain)
    queue_id = enqueue()

    delivery.attempt(queue_id)

    [received] = remote.messages
    assert received.mail_from == "jane@example.com"
    assert received.rcpt_tos == ["bob@remote.test"]
    assert received.helo == settings.HOSTPANEL_HOSTNAME
    assert not received.tls  # this sink offers no STARTTLS
    assert received.data.startswith(b"DKIM-Signature: ")
    tags = signature_tags(received.data)
    assert (tags["d"], tags["s"], tags["a"], tags["c"]) == (
        "example.com", key.selector, "rsa-sha256", "relaxed/relaxed")
    assert {"from", "to", "subject", "date", "message-id"} <= set(tags["h"].lower().split(":"))
    assert received.data.endswith(b"\r\n\r\nHi Bob,\r\nlunch tomorrow?\r\n")
    assert dkim.verify(received.data, dnsfunc=test_dns.dkim_dnsfunc())

    assert states(queue_id) == {"bob@remote.test": "delivered"}
    assert queued(queue_id).done
    assert not spool.message_path(settings.HOSTPANEL_SPOOL, queue_id).exists()


def test_a_signature_does_not_verify_once_the_message_is_altered(jane, remote, test_dns):
    publish_dkim_key(test_dns, jane.domain)
    delivery.attempt(enqueue())
    [received] = remote.messages
    altered = received.data.replace(b"lunch tomorrow?", b"dinner tonight?")
    assert not dkim.verify(altered, dnsfunc=test_dns.dkim_dnsfunc())


def test_a_deferred_recipient_is_retried_later_and_delivered_exactly_once(jane, remote):
    remote.answer_rcpt("bob@remote.test", "451 4.7.1 greylisted, come back later")
    queue_id = enqueue()

    before = timezone.now()
    delivery.attempt(queue_id)

    assert remote.messages == []
    assert states(queue_id) == {"bob@remote.test": "deferred"}
    recipient = queued(queue_id).recipients.get()
    assert recipient.last_error == "mx.remote.test: 451 4.7.1 greylisted, come back later"
    record = queued(queue_id)
    assert not record.done
    assert record.attempts == 1
    assert before + timedelta(minutes=5) <= record.next_attempt_at
    assert record.next_attempt_at <= timezone.now() + timedelta(minutes=5)
    assert spool.message_path(settings.HOSTPANEL_SPOOL, queue_id).exists()

    delivery.attempt(queue_id)  # a task arriving early: not due yet, nothing happens
    assert len(remote.rcpt_attempts) == 1

    make_due(queue_id)
    delivery.attempt(queue_id)
    assert len(remote.received_by("bob@remote.test")) == 1
    assert states(queue_id) == {"bob@remote.test": "delivered"}
    assert queued(queue_id).done
    assert queued(queue_id).attempts == 2

    make_due(queue_id)
    delivery.attempt(queue_id)  # the same task delivered twice by the broker
    assert len(remote.received_by("bob@remote.test")) == 1
    assert len(remote.transactions) == 2


def test_delivered_recipients_are_not_sent_again_when_others_are_retried(jane, remote):
    remote.answer_rcpt("carol@remote.test", "452 4.2.2 mailbox busy")
    queue_id = enqueue(recipients=["bob@remote.test", "carol@remote.test"])

    delivery.attempt(queue_id)
    assert states(queue_id) == {"bob@remote.test": "delivered", "carol@remote.test": "deferred"}
    make_due(queue_id)
    delivery.attempt(queue_id)

    assert [m.rcpt_tos for m in remote.messages] == [["bob@remote.test"], ["carol@remote.test"]]
    assert states(queue_id) == {"bob@remote.test": "delivered", "carol@remote.test": "delivered"}


def test_each_recipient_gets_its_own_result(jane, remote):
    remote.answer_rcpt("carol@remote.test", "550 5.1.1 no such user")
    remote.answer_rcpt("dave@remote.test", "450 4.2.1 try later")
    queue_id = enqueue(recipients=["bob@remote.test", "carol@remote.test", "dave@remote.test"])

    delivery.attempt(queue_id)

    assert states(queue_id) == {"bob@remote.test": "delivered", "carol@remote.test": "failed",
                                "dave@remote.test": "deferred"}
    assert [m.rcpt_tos for m in remote.messages] == [["bob@remote.test"]]


def test_a_data_reply_applies_to_every_accepted_recipient(jane, remote):
    remote.answer_data("554 5.7.1 message refused as spam")
    queue_id = enqueue(recipients=["bob@remote.test", "carol@remote.test"])
    delivery.attempt(queue_id)
    assert states(queue_id) == {"bob@remote.test": "failed", "carol@remote.test": "failed"}


def test_recipients_of_several_domains_each_go_to_their_own_mx(jane, test_dns, sink):
    test_dns.add_mail_domain("one.test")
    test_dns.add_mail_domain("two.test")
    queue_id = enqueue(recipients=["a@one.test", "b@two.test", "c@one.test"])

    delivery.attempt(queue_id)

    assert sorted(m.rcpt_tos for m in sink.messages) == [["a@one.test", "c@one.test"],
                                                         ["b@two.test"]]
    assert queued(queue_id).done


def test_an_unreachable_mx_is_skipped_for_the_next_one(jane, test_dns, sink):
    test_dns.add("remote.test", "MX", (10, "down.remote.test"))
    test_dns.add("remote.test", "MX", (20, "up.remote.test"))
    test_dns.add("down.remote.test", "A", "127.0.0.2")  # nothing listens there
    test_dns.add("up.remote.test", "A", "127.0.0.1")

    queue_id = enqueue()
    delivery.attempt(queue_id)

    assert len(sink.received_by("bob@remote.test")) == 1
    assert states(queue_id) == {"bob@remote.test": "delivered"}


def test_a_domain_whose_servers_cannot_be_reached_is_retried(jane, test_dns, settings):
    test_dns.add("remote.test", "MX", (10, "down.remote.test"))
    test_dns.add("down.remote.test", "A", "127.0.0.2")
    settings.HOSTPANEL_SMTP_DELIVERY_PORT = 9  # discard: nothing listens
    queue_id = enqueue()

    delivery.attempt(queue_id)

    recipient = queued(queue_id).recipients.get()
    assert recipient.state == "deferred"
    assert "connection to 127.0.0.2:9 failed" in recipient.last_error


def test_a_domain_that_does_not_exist_fails_at_once(jane, test_dns):
    queue_id = enqueue(recipients=["bob@nowhere.test"])
    delivery.attempt(queue_id)
    recipient = queued(queue_id).recipients.get()
    assert recipient.state == "failed"
    assert recipient.last_error == "domain nowhere.test does not exist"
    assert queued(queue_id).done


def test_retry_delays_grow_from_five_minutes_to_at_most_four_hours():
    delays = [delivery.retry_delay(attempt) for attempt in range(1, 10)]
    assert [delay.total_seconds() / 60 for delay in delays] == [
        5, 10, 20, 40, 80, 160, 240, 240, 240
    ]
    assert delivery.retry_delay(10_000) == timedelta(hours=4)


def test_the_last_retry_is_at_the_expiry_time(jane, remote):
    remote.answer_rcpt("bob@remote.test", "451 4.3.0 later")
    queue_id = enqueue()
    expiry = timezone.now() + timedelta(minutes=2)
    OutboundMessage.objects.filter(pk=queue_id).update(expires_at=expiry)
    delivery.attempt(queue_id)
    assert queued(queue_id).next_attempt_at == expiry


def test_a_finished_message_is_never_sent_again(jane, remote):
    queue_id = enqueue()
    delivery.attempt(queue_id)
    OutboundMessage.objects.filter(pk=queue_id).update(
        next_attempt_at=timezone.now() - timedelta(days=1))
    delivery.attempt(queue_id)
    delivery.attempt("0123456789abcdef")  # unknown: nothing to do, no error
    assert len(remote.messages) == 1


def test_a_message_being_delivered_is_not_taken_by_a_second_worker(jane, remote):
    from mailcore import directory

    queue_id = enqueue()
    assert directory.claim_outbound(queue_id, delivery.LEASE) is not None
    assert directory.claim_outbound(queue_id, delivery.LEASE) is None
    delivery.attempt(queue_id)  # another worker, same message: leaves it alone
    assert remote.transactions == []


def test_each_attempt_logs_one_line_per_recipient(jane, remote, caplog):
    remote.answer_rcpt("carol@remote.test", "550 5.1.1 no such user")
    queue_id = enqueue(recipients=["bob@remote.test", "carol@remote.test"])
    with caplog.at_level(logging.INFO, logger="mailcore.queue"):
        delivery.attempt(queue_id)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith(queue_id)]
    assert f"{queue_id} to=<bob@remote.test> mx=mx.remote.test result=delivered 250 " in (
        lines[0][:len(queue_id) + 70])
    assert lines[1] == (f"{queue_id} to=<carol@remote.test> mx=mx.remote.test "
                        "result=failed 550 5.1.1 no such user")
    assert len(lines) == 2


def test_a_smarthost_takes_all_outbound_mail(jane, sink, test_dns, settings):
    test_dns.add("relay.test", "A", "127.0.0.1")
    settings.HOSTPANEL_SMARTHOST = f"relay.test:{sink.port}"
    settings.HOSTPANEL_SMTP_DELIVERY_PORT = 9  # MX delivery would fail
    queue_id = enqueue(recipients=["a@one.test", "b@two.test"])  # domains without any DNS

    delivery.attempt(queue_id)

    [received] = sink.messages
    assert received.rcpt_tos == ["a@one.test", "b@two.test"]
    assert states(queue_id) == {"a@one.test": "delivered", "b@two.test": "delivered"}


def test_a_smarthost_given_as_an_address_needs_no_lookup(jane, sink, settings):
    settings.HOSTPANEL_SMARTHOST = f"127.0.0.1:{sink.port}"
    settings.HOSTPANEL_DNS = "127.0.0.1:9"  # any lookup would time out
    delivery.attempt(enqueue())
    assert len(sink.messages) == 1


def test_starttls_is_used_when_the_remote_server_offers_it(jane, tls_sink, test_dns):
    test_dns.add_mail_domain("remote.test")
    queue_id = enqueue()
    delivery.attempt(queue_id)
    [received] = tls_sink.messages
    assert received.tls
    assert states(queue_id) == {"bob@remote.test": "delivered"}


def test_mail_from_declares_the_size_and_8bit_content(jane, remote):
    data = message(body="Grüße aus Köln\n")
    delivery.attempt(enqueue(data))
    [received] = remote.messages
    assert f"SIZE={len(received.data)}" in received.mail_options
    assert "BODY=8BITMIME" in received.mail_options
    assert "Grüße aus Köln".encode() in received.data


def test_an_internationalized_address_is_sent_with_smtputf8(jane, remote):
    queue_id = enqueue(recipients=["björn@remote.test"])
    delivery.attempt(queue_id)
    [received] = remote.messages
    assert received.rcpt_tos == ["björn@remote.test"]
    assert "SMTPUTF8" in received.mail_options


@pytest.fixture
def small_sink(settings, test_dns):
    server = SinkServer(data_size_limit=1000)
    settings.HOSTPANEL_SMTP_DELIVERY_PORT = server.port
    test_dns.add_mail_domain("remote.test")
    yield server
    server.stop()


def test_a_message_larger_than_the_remote_size_limit_fails_without_sending(jane, small_sink):
    queue_id = enqueue(message(body="x" * 2000 + "\n"))
    delivery.attempt(queue_id)
    recipient = queued(queue_id).recipients.get()
    assert recipient.state == "failed"
    assert "5.3.4" in recipient.last_error
    assert small_sink.transactions == []


def test_lines_starting_with_a_dot_arrive_intact(jane, remote):
    delivery.attempt(enqueue(message(body="one\n.\n..two\n")))
    assert remote.messages[0].data.endswith(b"\r\n\r\none\r\n.\r\n..two\r\n")


def test_a_hosted_domain_without_a_key_sends_unsigned(jane, remote):
    jane.domain.dkim_key.delete()
    delivery.attempt(enqueue())
    assert not remote.messages[0].data.startswith(b"DKIM-Signature")


def test_a_lost_spool_file_fails_the_message_and_tells_the_sender(jane, remote, _mail_root):
    queue_id = enqueue()
    spool.message_path(settings.HOSTPANEL_SPOOL, queue_id).unlink()
    delivery.attempt(queue_id)
    assert states(queue_id) == {"bob@remote.test": "failed"}
    assert remote.messages == []
    new = maildir_path(_mail_root, "example.com", "jane") / "new"
    assert len(list(new.iterdir())) == 1


def test_workers_given_the_same_message_at_once_deliver_it_once(transactional_db, jane,
                                                                test_dns, sink):
    test_dns.add_mail_domain("remote.test")
    queue_id = enqueue()
    start = threading.Barrier(4)

    def worker():
        start.wait(10)
        try:
            delivery.attempt(queue_id)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(sink.received_by("bob@remote.test")) == 1
    assert len(sink.transactions) == 1
    assert queued(queue_id).attempts == 1


@pytest.fixture
def broken_tls_sink(settings, test_dns):
    """A sink whose STARTTLS always fails: it demands a client certificate we do not have."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("sink.test").configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED
    server = SinkServer(tls_context=context)
    settings.HOSTPANEL_SMTP_DELIVERY_PORT = server.port
    test_dns.add_mail_domain("remote.test")
    yield server
    server.stop()


def test_a_server_whose_tls_fails_gets_the_message_without_tls(jane, broken_tls_sink):
    queue_id = enqueue()
    delivery.attempt(queue_id)
    [received] = broken_tls_sink.messages
    assert not received.tls
    assert states(queue_id) == {"bob@remote.test": "delivered"}
