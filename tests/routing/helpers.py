"""What the routing tests look at: Maildirs, the outbound queue, automatic replies."""

import time
from email import message_from_bytes, policy
from pathlib import Path

from django.conf import settings

from hostpanel.outbound.models import OutboundMessage
from mailcore.maildir import maildir_path
from mailcore.queue.spool import message_path
from tests.smtp.helpers import stored_messages


def maildir(address: str) -> Path:
    local, _, domain = address.partition("@")
    return maildir_path(settings.HOSTPANEL_MAIL_ROOT, domain, local)


def inbox(address: str) -> list[bytes]:
    return stored_messages(maildir(address))


def queued() -> list[dict]:
    """The outbound queue, oldest first: envelope, origin, domain and the spooled bytes."""
    found = []
    for message in OutboundMessage.objects.order_by("created_at", "queue_id"):
        found.append({
            "origin": message.origin,
            "sender": message.sender,
            "recipients": sorted(r.address for r in message.recipients.all()),
            "domain": message.domain.name if message.domain else None,
            "data": message_path(settings.HOSTPANEL_SPOOL, message.queue_id).read_bytes(),
        })
    return found


def replies_queued() -> list[dict]:
    return [entry for entry in queued() if entry["origin"] == "autoreply"]


def parse(data: bytes):
    return message_from_bytes(data, policy=policy.default)


def delivered_to(data: bytes) -> list[str]:
    """The Delivered-To addresses at the top of a message, top first."""
    return [str(value) for value in parse(data).get_all("Delivered-To", [])]


def mail(sender="bob@remote.test", to="jane@example.com", subject="Hello", *headers: str,
         body="Hi!\r\n") -> bytes:
    lines = [f"From: <{sender}>", f"To: <{to}>", f"Subject: {subject}",
             f"Message-ID: <{time.time_ns()}@remote.test>", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()
