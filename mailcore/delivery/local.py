"""Delivering one message to local mailboxes, quota included.

Everything here does disk I/O: call it from a worker thread
(``asyncio.to_thread``), never on the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mailcore.maildir import Maildir

if TYPE_CHECKING:
    from mailcore.directory import Mailbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalDelivery:
    """What became of one message for its local recipients."""

    delivered: tuple[Mailbox, ...]  # durably in new/ (over_quota ones included)
    over_quota: tuple[Mailbox, ...]  # delivered although it took them over quota
    refused: tuple[Mailbox, ...]  # not delivered: mailbox full

    @property
    def accepted(self) -> bool:
        return bool(self.delivered)


def has_room(mailbox: Mailbox, size: int = 0) -> bool:
    """Whether ``mailbox`` can take a message of ``size`` bytes (0: size unknown).

    A mailbox at or over its quota takes nothing; otherwise the message must
    fit in what is left. A quota of 0 means no limit.
    """
    if not mailbox.quota_bytes:
        return True
    usage = Maildir(mailbox.maildir).usage()
    return usage < mailbox.quota_bytes and usage + size <= mailbox.quota_bytes


def _unique(mailboxes: Sequence[Mailbox]) -> list[Mailbox]:
    seen, unique = set(), []
    for mailbox in mailboxes:
        if mailbox.maildir not in seen:
            seen.add(mailbox.maildir)
            unique.append(mailbox)
    return unique


def deliver(message: bytes, mailboxes: Sequence[Mailbox]) -> LocalDelivery:
    """Store ``message`` (LF line endings) in every mailbox, once each.

    Returns only when every copy is durable (``Maildir.deliver`` fsyncs the file
    and the directory). Errors propagate: the caller answers with a temporary
    failure and the sender retries, so nothing is lost (a copy already stored
    for another recipient may then arrive twice, which RFC 5321 prefers to loss).

    Quota, when some recipients have room and others do not: after DATA an SMTP
    server gives one answer for all recipients, so it can either refuse the
    message for all (the ones with room lose it, or the sender keeps retrying
    because of someone else's mailbox), or accept it and silently drop the copy
    of the full mailboxes (lost mail), or deliver to all. We deliver to all:
    nothing is lost, and the overrun is bounded by one message, since a mailbox
    already at its quota was refused at RCPT. Only when no recipient has room is
    the message refused (the sender gets a 552 and tells its user).
    Stored mail is never removed for quota reasons, e.g. when a quota is lowered.
    """
    targets = _unique(mailboxes)
    size = len(message)
    full = [mailbox for mailbox in targets if not has_room(mailbox, size)]
    if len(full) == len(targets):
        return LocalDelivery(delivered=(), over_quota=(), refused=tuple(full))
    for mailbox in targets:
        Maildir(mailbox.maildir).deliver(message)
    for mailbox in full:
        log.warning("%s: delivered over quota (%d bytes) with other recipients",
                    mailbox.address, size)
    return LocalDelivery(delivered=tuple(targets), over_quota=tuple(full), refused=())
