"""Messages and queue entries for the outbound queue tests."""

import email
import email.policy

from django.conf import settings

from hostpanel.outbound.models import OutboundMessage, OutboundRecipient
from mailcore.queue import spool

REMOTE = "remote.test"


def message(sender="jane@example.com", to="bob@remote.test", subject="Lunch",
            body="Hi Bob,\nlunch tomorrow?\n") -> bytes:
    """A small message with LF line endings, as the servers spool them."""
    return (f"From: Jane <{sender}>\nTo: <{to}>\nSubject: {subject}\n"
            f"Date: Mon, 02 Jun 2025 10:00:00 +0000\nMessage-ID: <{subject}.1@example.com>\n"
            f"\n{body}").encode()


def enqueue(data=None, sender="jane@example.com", recipients=("bob@remote.test",),
            origin="submission", domain="example.com") -> str:
    return spool.enqueue(settings.HOSTPANEL_SPOOL, data or message(sender), sender,
                         list(recipients), origin=origin, domain=domain)


def states(queue_id) -> dict[str, str]:
    return dict(OutboundRecipient.objects.filter(message_id=queue_id)
                .values_list("address", "state"))


def queued(queue_id) -> OutboundMessage:
    return OutboundMessage.objects.get(pk=queue_id)


def parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def report_fields(dsn) -> tuple[dict, list[dict]]:
    """A DSN's message/delivery-status: (per-message fields, [per-recipient fields])."""
    assert dsn.get_content_type() == "multipart/report"
    assert dsn.get_param("report-type") == "delivery-status"
    status = next(part for part in dsn.walk()
                  if part.get_content_type() == "message/delivery-status")
    blocks = [dict(block.items()) for block in status.get_payload()]
    return blocks[0], blocks[1:]
