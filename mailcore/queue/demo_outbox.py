"""The live demo's outbox: what the queue would send to other domains stays on the machine.

In demo mode (``config.demo_outbox``, see HOSTPANEL_DEMO) the queue opens no SMTP
connection at all, neither to MX hosts nor to a smarthost: every remote recipient's
copy (submitted mail, forwards, automatic replies, list posts, DSNs) is stored in the
outbox account's Maildir instead, with ``X-Demo-Original-To`` naming the recipient it
was for, and counts as delivered, so the queue entry is done and no DSN follows.
Before the demo's fixture created the outbox account (or when it is full) the copy is
dropped with a log line: it is never sent.
"""

import logging
from collections.abc import Callable, Sequence

from mailcore.delivery import local
from mailcore.maildir import to_lf
from mailcore.queue.client import DEFERRED, DELIVERED, Outcome

log = logging.getLogger("mailcore.queue")

ORIGINAL_TO = "X-Demo-Original-To"
ENVELOPE_FROM = "X-Demo-Envelope-From"


def _header(name: str, value: str) -> bytes:
    value = " ".join(value.split())  # an envelope address: no line breaks can get in
    return f"{name}: {value}\r\n".encode("utf-8", "replace")


def keep(config, queue_id: str, sender: str, recipients: Sequence[str],
         data: bytes | Callable[[str], bytes], directory) -> list[Outcome]:
    """Store each recipient's copy (CRLF ``data``, or ``data(recipient)``) in the outbox."""
    mailbox = directory.find_mailbox(config.demo_outbox)
    outcomes = []
    for recipient in recipients:
        if mailbox is None:
            log.warning("%s to=<%s>: dropped, not sent: the demo's outbox <%s> does not exist",
                        queue_id, recipient, config.demo_outbox)
            outcomes.append(Outcome(recipient, DELIVERED, "2.0.0",
                                    "dropped by the demo (no outbox account)"))
            continue
        copy = data(recipient) if callable(data) else data
        headers = _header(ORIGINAL_TO, f"<{recipient}>") + _header(ENVELOPE_FROM, f"<{sender}>")
        try:
            stored = local.deliver(to_lf(headers + copy), [mailbox])
        except OSError as error:
            log.error("%s to=<%s>: the demo's outbox could not store it: %s",
                      queue_id, recipient, error)
            outcomes.append(Outcome(recipient, DEFERRED, "4.3.0", "demo outbox not writable"))
            continue
        if not stored.accepted:
            log.warning("%s to=<%s>: dropped, not sent: the demo's outbox <%s> is full",
                        queue_id, recipient, config.demo_outbox)
            outcomes.append(Outcome(recipient, DELIVERED, "2.0.0",
                                    "dropped by the demo (outbox full)"))
            continue
        outcomes.append(Outcome(recipient, DELIVERED, "2.0.0",
                                f"kept in the demo outbox <{mailbox.address}>"))
    return outcomes
