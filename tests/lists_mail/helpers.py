"""Messages to lists, and what the tests read back from the sink and the mailboxes."""

import time
from email import message_from_bytes, policy

from tests.net import run_queue
from tests.smtp.helpers import send

LIST = "team@example.com"


def mail(sender="bob@remote.test", to=LIST, subject="Hello", *headers: str,
         body="Hi all!\r\n") -> bytes:
    lines = [f"From: <{sender}>", f"To: <{to}>", f"Subject: {subject}",
             "Date: Thu, 26 Nov 2026 10:00:00 +0000",
             f"Message-ID: <{time.time_ns()}@remote.test>", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def deliver(server, to=LIST, sender="bob@remote.test", subject="Hello", *headers: str,
            from_=None, body="Hi all!\r\n"):
    """Send one message over SMTP (envelope ``sender``, From ``from_`` or the same): replies."""
    data = mail(from_ or sender, to, subject, *headers, body=body)
    return send(server, data, to=[to], sender=sender)


def parse(data: bytes):
    return message_from_bytes(data, policy=policy.default)


def sent_to(sink, address: str) -> list:
    """The parsed messages the sink got for ``address`` (after the queue ran)."""
    run_queue()
    return [parse(message.data) for message in sink.received_by(address)]


def service_address(message, header="Reply-To") -> str:
    """The address in ``header`` of a list notice (its confirm or accept address)."""
    return message[header].addresses[0].addr_spec


def text(message) -> str:
    body = message.get_body(preferencelist=("plain",))
    return body.get_content().replace("\r\n", "\n") if body is not None else ""
