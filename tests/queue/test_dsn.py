"""Delivery status notifications (RFC 3464) for permanent failures and expiry."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from hostpanel.outbound.models import OutboundMessage
from mailcore.maildir import maildir_path
from mailcore.queue import delivery
from tests.net import run_queue
from tests.queue.helpers import enqueue, message, parse, queued, report_fields, states

REJECTED = "550 5.1.1 <bob@remote.test>: no such user here"


def jane_inbox(mail_root) -> list[bytes]:
    new = maildir_path(mail_root, "example.com", "jane") / "new"
    return [path.read_bytes() for path in sorted(new.iterdir())] if new.is_dir() else []


def test_a_permanent_failure_sends_one_dsn_to_a_hosted_sender(jane, remote, _mail_root):
    remote.answer_rcpt("bob@remote.test", REJECTED)
    queue_id = enqueue(message(subject="Quarterly figures"))

    delivery.attempt(queue_id)

    assert states(queue_id) == {"bob@remote.test": "failed"}
    assert queued(queue_id).recipients.get().last_error == f"mx.remote.test: {REJECTED}"
    assert queued(queue_id).done
    assert remote.messages == []
    assert OutboundMessage.objects.count() == 1  # the DSN went straight to jane's mailbox
    [stored] = jane_inbox(_mail_root)
    assert b"\r\n" not in stored  # stored like any local mail, LF line endings
    dsn = parse(stored)
    assert dsn["From"].addresses[0].addr_spec == f"MAILER-DAEMON@{settings.HOSTPANEL_HOSTNAME}"
    assert dsn["To"].addresses[0].addr_spec == "jane@example.com"
    assert dsn["Subject"] == "Undelivered Mail Returned to Sender"
    assert dsn["Auto-Submitted"] == "auto-replied"

    per_message, [per_recipient] = report_fields(dsn)
    assert per_message["Reporting-MTA"] == f"dns; {settings.HOSTPANEL_HOSTNAME}"
    assert per_recipient["Final-Recipient"] == "rfc822; bob@remote.test"
    assert per_recipient["Action"] == "failed"
    assert per_recipient["Status"] == "5.1.1"
    assert per_recipient["Remote-MTA"] == "dns; mx.remote.test"
    assert per_recipient["Diagnostic-Code"] == f"smtp; {REJECTED}"

    text, _status, headers = dsn.iter_parts()
    assert text.get_content_type() == "text/plain"
    body = text.get_content()
    assert f"This is the mail system at {settings.HOSTPANEL_HOSTNAME}." in body
    assert f"bob@remote.test: mx.remote.test: {REJECTED}" in body
    assert headers.get_content_type() == "text/rfc822-headers"
    assert "Subject: Quarterly figures" in headers.get_payload()
    assert "lunch tomorrow" not in stored.decode()  # headers only, not the body


def test_a_remote_sender_gets_its_dsn_through_the_queue(db, domain, remote, test_dns):
    test_dns.add_mail_domain("elsewhere.test")
    remote.answer_rcpt("bob@remote.test", REJECTED)
    queue_id = enqueue(message(sender="alice@elsewhere.test"), sender="alice@elsewhere.test",
                       origin="forward")

    delivery.attempt(queue_id)
    [bounce] = OutboundMessage.objects.exclude(pk=queue_id)
    assert (bounce.sender, bounce.origin, bounce.domain) == ("", "bounce", None)
    run_queue()

    [received] = remote.messages
    assert received.mail_from == ""
    assert received.rcpt_tos == ["alice@elsewhere.test"]
    _per_message, [per_recipient] = report_fields(parse(received.data))
    assert per_recipient["Final-Recipient"] == "rfc822; bob@remote.test"
    assert queued(bounce.pk).done


def test_a_dsn_that_cannot_be_delivered_is_dropped_without_another_dsn(db, domain, remote,
                                                                        test_dns):
    test_dns.add_mail_domain("elsewhere.test")
    remote.answer_rcpt("bob@remote.test", REJECTED)
    remote.answer_rcpt("alice@elsewhere.test", "550 5.1.1 alice left")
    enqueue(sender="alice@elsewhere.test", origin="forward")

    run_queue()  # bob fails: a DSN to alice is queued
    run_queue()  # the DSN fails: nobody is told
    run_queue()

    assert OutboundMessage.objects.count() == 2
    assert not OutboundMessage.objects.filter(done=False).exists()
    assert remote.messages == []


def test_no_dsn_for_a_message_with_a_null_sender(jane, remote, _mail_root):
    remote.answer_rcpt("bob@remote.test", REJECTED)
    queue_id = enqueue(sender="", origin="autoreply")

    delivery.attempt(queue_id)

    assert states(queue_id) == {"bob@remote.test": "failed"}
    assert queued(queue_id).done
    assert OutboundMessage.objects.count() == 1
    assert jane_inbox(_mail_root) == []


def test_a_message_still_undelivered_when_it_expires_is_returned_to_its_sender(
    jane, remote, _mail_root
):
    remote.answer_rcpt("bob@remote.test", *["451 4.3.0 disk full, try later"] * 3)
    queue_id = enqueue()
    delivery.attempt(queue_id)
    assert jane_inbox(_mail_root) == []

    OutboundMessage.objects.filter(pk=queue_id).update(
        next_attempt_at=timezone.now(), expires_at=timezone.now() - timedelta(seconds=1))
    delivery.attempt(queue_id)

    assert states(queue_id) == {"bob@remote.test": "failed"}
    assert queued(queue_id).done
    [stored] = jane_inbox(_mail_root)
    dsn = parse(stored)
    _per_message, [per_recipient] = report_fields(dsn)
    assert per_recipient["Action"] == "failed"
    assert per_recipient["Status"] == "4.3.0"
    assert per_recipient["Diagnostic-Code"] == "smtp; 451 4.3.0 disk full, try later"
    body = next(dsn.iter_parts()).get_content()
    assert "could not be reached for 5 days" in body


def test_only_the_failed_recipients_are_reported(jane, remote, _mail_root):
    remote.answer_rcpt("carol@remote.test", "550 5.2.1 mailbox disabled")
    remote.answer_rcpt("dave@remote.test", "451 4.3.0 later")
    enqueue(recipients=["bob@remote.test", "carol@remote.test", "dave@remote.test"])

    run_queue()
    run_queue()  # dave gets his copy on the retry: no second DSN

    [stored] = jane_inbox(_mail_root)
    _per_message, recipients = report_fields(parse(stored))
    assert [r["Final-Recipient"] for r in recipients] == ["rfc822; carol@remote.test"]
    assert sorted(m.rcpt_tos[0] for m in remote.messages) == ["bob@remote.test",
                                                              "dave@remote.test"]


def test_a_failure_found_before_any_server_answered_is_reported_in_our_own_words(
    jane, test_dns, _mail_root
):
    test_dns.add("nomail.test", "MX", (0, "."))
    delivery.attempt(enqueue(recipients=["bob@nomail.test"]))
    [stored] = jane_inbox(_mail_root)
    _per_message, [per_recipient] = report_fields(parse(stored))
    assert per_recipient["Status"] == "5.1.10"
    assert per_recipient["Diagnostic-Code"] == (
        "X-Hostpanel; domain nomail.test accepts no mail (null MX)")
    assert "Remote-MTA" not in per_recipient
