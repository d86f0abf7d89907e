"""Delivery status notifications (RFC 3464) for mail we could not deliver.

When recipients fail for good (a 5xx reply, or retries gave up at the end
of the queue lifetime), the envelope sender gets one ``multipart/report``:
a translated explanation, the machine-readable ``message/delivery-status``
and the headers of the message. Never for a message with a null sender (a
DSN, an automatic reply) or one that is itself a bounce: no DSN loops.
"""

import email.header
import email.quoprimime
import email.utils
import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from mailcore import directory as default_directory
from mailcore.delivery import local
from mailcore.maildir import to_lf
from mailcore.queue import spool
from mailcore.queue.client import Outcome

log = logging.getLogger("mailcore.queue")

DEFAULT_LANGUAGE = "en"
MAX_FIELD = 900  # keeps every header line under SMTP's 998 characters


def wants_report(sender: str, origin: str) -> bool:
    """Whether failures of this message are reported to its sender at all."""
    return bool(sender) and origin != "bounce"


def _field(text: str) -> str:
    return " ".join(str(text).split())[:MAX_FIELD]


def _header(value: str) -> str:
    if value.isascii():
        return value
    return email.header.Header(value, "utf-8").encode()


def headers_of(message: bytes) -> bytes:
    """The header section of ``message`` (without the blank line that ends it)."""
    message = message.replace(b"\r\n", b"\n")
    head, _sep, _body = message.partition(b"\n\n")
    return head.replace(b"\n", b"\r\n")


def notice_text(hostname: str, failures: Sequence[Outcome], *, expired: bool,
                lifetime_days: int, directory=default_directory,
                language: str = DEFAULT_LANGUAGE) -> tuple[str, str]:
    """(subject, text) of the human-readable part, in ``language``."""
    _ = directory.gettext
    with directory.translation_override(language):
        subject = _("Undelivered Mail Returned to Sender")
        lines = [_("This is the mail system at %(host)s.") % {"host": hostname}, ""]
        lines.append(_("Your message could not be delivered to the recipients below."))
        if expired:
            lines.append(_("Some of them could not be reached for %(days)d days, and we "
                           "have stopped trying.") % {"days": lifetime_days})
        lines.append("")
        for failure in failures:
            lines.append(_("%(address)s: %(reason)s")
                         % {"address": failure.recipient, "reason": _field(failure.error)})
        lines += ["", _("The headers of your message are attached below.")]
    return subject, "\n".join(lines) + "\n"


def _date(moment: datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(UTC))


def delivery_status(hostname: str, queue_id: str, arrival: datetime,
                    failures: Sequence[Outcome], now: datetime) -> str:
    """The ``message/delivery-status`` body: per-message fields, then one block per recipient."""
    blocks = [[f"Reporting-MTA: dns; {hostname}", f"X-Hostpanel-Queue-ID: {queue_id}",
               f"Arrival-Date: {_date(arrival)}"]]
    for failure in failures:
        block = [f"Final-Recipient: rfc822; {failure.recipient}", "Action: failed",
                 f"Status: {failure.status}"]
        if failure.host:
            block.append(f"Remote-MTA: dns; {failure.host}")
        kind = "smtp" if failure.remote else "X-Hostpanel"
        block += [f"Diagnostic-Code: {kind}; {_field(failure.diagnostic)}",
                  f"Last-Attempt-Date: {_date(now)}"]
        blocks.append(block)
    return "\r\n\r\n".join("\r\n".join(block) for block in blocks) + "\r\n"


def failure_report(*, hostname: str, queue_id: str, sender: str, arrival: datetime,
                   original: bytes, failures: Sequence[Outcome], subject: str, text: str,
                   now: datetime | None = None, from_host: str = "") -> bytes:
    """The whole DSN message, CRLF line endings.

    ``from_host`` (a reseller's mail host) replaces ``hostname`` in the From: line
    the reader sees; the report's protocol fields keep ``hostname``.
    """
    now = now or datetime.now(UTC)
    boundary = f"=_report_{secrets.token_hex(12)}"
    head = [
        f"From: {_header('Mail Delivery System')} <MAILER-DAEMON@{from_host or hostname}>",
        f"To: <{sender}>",
        f"Subject: {_header(subject)}",
        f"Date: {_date(now)}",
        f"Message-ID: <{queue_id}.{secrets.token_hex(4)}.dsn@{hostname}>",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
    ]
    utf8 = text.encode("utf-8").decode("latin-1")  # quoprimime encodes characters as bytes
    text_part = email.quoprimime.body_encode(utf8, eol="\r\n")
    parts = [
        ["Content-Type: text/plain; charset=utf-8",
         "Content-Transfer-Encoding: quoted-printable",
         "Content-Description: Notification", "", text_part],
        ["Content-Type: message/delivery-status", "Content-Description: Delivery report", "",
         delivery_status(hostname, queue_id, arrival, failures, now)],
        ["Content-Type: text/rfc822-headers",
         "Content-Description: Undelivered Message Headers", "",
         headers_of(original).decode("utf-8", "replace")],
    ]
    body = "".join(f"--{boundary}\r\n" + "\r\n".join(part).rstrip("\r\n") + "\r\n\r\n"
                   for part in parts)
    return ("\r\n".join(head) + "\r\n\r\n" + body + f"--{boundary}--\r\n").encode("utf-8")


def notify_sender(message, original: bytes, failures: Sequence[Outcome], *, expired: bool,
                  config, directory=default_directory) -> str | None:
    """Send the DSN for ``failures`` of queued ``message`` (a QueuedMessage) to its sender.

    A hosted mailbox gets it in its Maildir at once; any other sender through
    the queue, with a null sender of its own. Durable when this returns.
    Returns the queue id of the DSN, or None when it was stored locally or not sent.
    """
    if not failures or not wants_report(message.sender, message.origin):
        return None
    # A sender of a reseller's domain reads the reseller's mail host, not ours.
    brand = directory.brand_for_domain(message.sender.rpartition("@")[2])
    shown_host = brand.smtp_host if brand is not None else config.hostname
    subject, text = notice_text(shown_host, failures, expired=expired,
                                lifetime_days=config.queue_lifetime_days, directory=directory,
                                language=directory.mail_language(message.sender))
    report = failure_report(hostname=config.hostname, queue_id=message.queue_id,
                            sender=message.sender, arrival=message.created_at,
                            original=original, failures=failures, subject=subject, text=text,
                            from_host=shown_host)
    mailbox = directory.find_mailbox(message.sender)
    if mailbox is not None:
        stored = local.deliver(to_lf(report), [mailbox])
        if not stored.accepted:
            log.warning("%s: DSN to %s dropped: mailbox full", message.queue_id, message.sender)
        return None
    return spool.enqueue(config.spool, report, "", [message.sender], origin="bounce",
                         directory=directory)
