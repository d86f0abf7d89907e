"""Forwards, aliases and catch-all on the MX, with a real SMTP client (and the queue's sink)."""

import pytest

from hostpanel.outbound.models import OutboundMessage
from hostpanel.routing.models import Forward
from mailcore.directory import server_config
from mailcore.queue import srs
from tests.net import run_queue
from tests.routing.helpers import delivered_to, inbox, mail, parse, queued
from tests.smtp.helpers import DELIVERED, RECIPIENT_OK, UNKNOWN_USER, send, strip_received

ROUTING_LOOP = (554, "5.4.6")


@pytest.fixture
def remote_domains(test_dns, sink):
    """remote.test and other.test: their MX is the sink on 127.0.0.1."""
    test_dns.add_mail_domain("remote.test")
    test_dns.add_mail_domain("other.test")
    return sink


def forward(domain, name, *targets):
    return Forward.objects.create(domain=domain, local_part=name, targets=list(targets))


def test_a_forward_to_one_local_and_two_remote_targets_reaches_all_three(
        mx, domain, remote_domains):
    forward(domain, "info", "jane@example.com", "x@remote.test", "y@other.test")
    original = mail(to="info@example.com")
    assert send(mx, original, to=["info@example.com"])[-1] == DELIVERED

    [stored] = inbox("jane@example.com")
    assert delivered_to(stored) == ["jane@example.com", "info@example.com"]
    assert strip_received(stored)[1] == original.replace(b"\r\n", b"\n")
    [entry] = queued()  # the two remote copies: one spooled message
    assert entry["origin"] == "forward"
    assert entry["recipients"] == ["x@remote.test", "y@other.test"]
    assert entry["sender"] == "bob@remote.test"
    assert entry["domain"] == "example.com"
    assert entry["data"].startswith(b"Delivered-To: info@example.com\r\nReceived: ")
    assert entry["data"].endswith(original)  # the original message, signature and all

    run_queue()  # the queue sends it on: one SMTP transaction per remote domain
    sent = remote_domains.messages
    assert sorted(rcpt for message in sent for rcpt in message.rcpt_tos) == [
        "x@remote.test", "y@other.test"]
    for message in sent:
        assert srs.is_srs(message.mail_from) and message.mail_from.endswith("@example.com")
        assert message.data.replace(b"\r\n", b"\n").endswith(original.replace(b"\r\n", b"\n"))


def test_a_local_forward_loop_is_refused_once_and_delivers_nothing(mx, domain, _mail_root):
    forward(domain, "a", "b@example.com")
    forward(domain, "b", "a@example.com")
    assert send(mx, mail(to="a@example.com"), to=["a@example.com"]) == [
        (250, "2.1.0"), RECIPIENT_OK, ROUTING_LOOP]
    assert queued() == []
    assert not any(path.is_file() for path in _mail_root.rglob("*"))


def test_a_forwarded_copy_that_comes_back_is_refused_as_a_loop(mx, domain, remote_domains):
    forward(domain, "a", "x@remote.test")
    assert send(mx, mail(to="a@example.com"), to=["a@example.com"])[-1] == DELIVERED
    run_queue()
    [sent] = remote_domains.messages
    # remote.test forwards it back to us, Delivered-To and all.
    replies = send(mx, sent.data, to=["a@example.com"], sender=sent.mail_from)
    assert replies[-1] == ROUTING_LOOP
    assert OutboundMessage.objects.count() == 1
    assert len(remote_domains.messages) == 1


def test_a_loop_beside_a_delivered_copy_bounces_that_copy_once(mx, domain):
    forward(domain, "a", "jane@example.com", "x@remote.test")
    looped = mail("bob@remote.test", "a@example.com", "Back again",
                  "Delivered-To: x@remote.test")
    assert send(mx, looped, to=["a@example.com"])[-1] == DELIVERED
    assert len(inbox("jane@example.com")) == 1
    [bounce] = queued()
    assert (bounce["origin"], bounce["sender"], bounce["recipients"]) == (
        "bounce", "", ["bob@remote.test"])
    report = parse(bounce["data"])
    assert report.get_content_type() == "multipart/report"
    assert b"x@remote.test" in bounce["data"] and b"5.4.6" in bounce["data"]


def test_a_catch_all_takes_mail_for_unknown_addresses(mx, domain):
    assert send(mx, mail(to="who@example.com"), to=["who@example.com"])[1] == UNKNOWN_USER
    domain.catch_all = "jane@example.com"
    domain.save()
    assert send(mx, mail(to="who@example.com"), to=["who@example.com"])[-1] == DELIVERED
    [stored] = inbox("jane@example.com")
    assert delivered_to(stored) == ["jane@example.com", "who@example.com"]


def test_a_catch_all_to_a_bare_name_is_that_account_of_the_domain(mx, domain):
    domain.catch_all = "jane"
    domain.save()
    assert send(mx, mail(to="sales@example.com"), to=["Sales@Example.com"])[-1] == DELIVERED
    assert len(inbox("jane@example.com")) == 1


def test_postmaster_without_a_domain_is_accepted(mx, domain, postmaster):
    assert send(mx, mail(to="postmaster"), to=["postmaster"])[-1] == DELIVERED
    [stored] = inbox("postmaster@example.com")
    assert delivered_to(stored) == ["postmaster@example.com"]


def test_postmaster_goes_to_the_domain_of_the_host_name_when_it_is_hosted(
        start_smtp, domain_factory, jane):
    domain_factory("test.example")  # the server is mx.test.example
    server = start_smtp()
    assert send(server, mail(to="postmaster"), to=["PostMaster"])[-1] == DELIVERED
    assert len(inbox("postmaster@test.example")) == 1
    assert inbox("postmaster@example.com") == []


def test_a_bounce_to_our_srs_address_goes_back_to_the_original_sender(mx, domain):
    address = srs.rewrite("bob@remote.test", "example.com", server_config().secret)
    bounce = mail(sender="MAILER-DAEMON@remote.test", to=address, subject="Undelivered")
    assert send(mx, bounce, to=[address], sender="<>")[-1] == DELIVERED
    [entry] = queued()
    assert (entry["origin"], entry["sender"], entry["recipients"]) == (
        "forward", "", ["bob@remote.test"])


def test_a_forged_srs_address_is_unknown(mx, domain):
    address = srs.rewrite("bob@remote.test", "example.com", b"another secret")
    assert send(mx, mail(to=address), to=[address], sender="<>")[1] == UNKNOWN_USER
    assert queued() == []


def test_no_250_before_the_remote_copies_are_spooled(mx, domain, monkeypatch, caplog):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    forward(domain, "info", "x@remote.test")
    monkeypatch.setattr("mailcore.queue.spool.write_durably", full_disk)
    assert send(mx, mail(to="info@example.com"), to=["info@example.com"])[-1] == (451, "4.3.0")
    assert OutboundMessage.objects.count() == 0
    assert "No space left on device" in caplog.text


def test_a_failing_automatic_reply_does_not_fail_the_message(mx, jane, monkeypatch, caplog):
    from hostpanel.routing.models import Routing

    def broken(*args, **kwargs):
        raise RuntimeError("reply trouble")

    Routing.objects.create(account=jane, vacation_enabled=True, vacation_message="Away")
    monkeypatch.setattr("mailcore.routing.executor.build_reply", broken)
    assert send(mx, mail())[-1] == DELIVERED
    assert len(inbox("jane@example.com")) == 1
    assert "automatic reply from <jane@example.com> to <bob@remote.test> failed" in caplog.text


def test_a_message_with_too_many_received_headers_is_refused_as_a_loop(mx):
    hops = "".join(f"Received: from hop{n}.test by hop{n + 1}.test; Thu, 1 Jan 2030 00:00:00 "
                   "+0000\r\n" for n in range(100)).encode()
    assert send(mx, hops + mail())[-1] == ROUTING_LOOP
    assert inbox("jane@example.com") == []
