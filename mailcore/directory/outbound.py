"""The outbound queue's records and the DKIM keys, for the spool and the delivery task."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from hostpanel.domains.models import Domain
from hostpanel.outbound.models import DkimKey, OutboundMessage, OutboundRecipient
from mailcore.directory._base import _database

_WAITING = (OutboundRecipient.PENDING, OutboundRecipient.DEFERRED)


@dataclass(frozen=True)
class QueuedRecipient:
    address: str
    state: str
    last_error: str = ""


@dataclass(frozen=True)
class QueuedMessage:
    """An outbound message's envelope and per-recipient state, as the delivery task needs it."""

    queue_id: str
    sender: str
    origin: str
    domain: str | None
    attempts: int
    created_at: datetime
    expires_at: datetime
    done: bool
    recipients: tuple[QueuedRecipient, ...] = field(default=())


@_database
def record_outbound(queue_id: str, sender: str, recipients, *, origin: str,
                    domain: str | None, size: int) -> None:
    """Record a spooled message and its recipients (committed when this returns).

    The delivery task is sent to the broker after the commit; if the broker
    cannot take it, the spool sweep finds the message later.
    """
    now = timezone.now()
    with transaction.atomic():
        message = OutboundMessage.objects.create(
            queue_id=queue_id,
            domain=Domain.objects.filter(name=domain).first() if domain else None,
            origin=origin,
            sender=sender,
            size=size,
            created_at=now,
            next_attempt_at=now,
            expires_at=now + timedelta(days=settings.HOSTPANEL_QUEUE_LIFETIME_DAYS),
        )
        OutboundRecipient.objects.bulk_create(
            OutboundRecipient(message=message, address=address, updated_at=now)
            for address in dict.fromkeys(recipients)
        )
    _dispatch(queue_id)


def _dispatch(queue_id: str, eta: datetime | None = None) -> None:
    if settings.HOSTPANEL_DEMO and transaction.get_connection().in_atomic_block:
        # A demo request runs in one transaction (hostpanel.demo.middleware): the worker
        # must not look for the record before that transaction is committed.
        transaction.on_commit(lambda: _send_task(queue_id, eta))
        return
    _send_task(queue_id, eta)


def _send_task(queue_id: str, eta: datetime | None) -> None:
    from hostpanel.outbound.tasks import deliver_outbound

    try:
        deliver_outbound.apply_async((queue_id,), eta=eta)
    except Exception:  # the broker is down: the sweep re-enqueues from the database
        logging.getLogger(__name__).warning("could not enqueue delivery of %s", queue_id,
                                            exc_info=True)


def _queued(message: OutboundMessage) -> QueuedMessage:
    return QueuedMessage(
        queue_id=message.queue_id, sender=message.sender, origin=message.origin,
        domain=message.domain.name if message.domain else None, attempts=message.attempts,
        created_at=message.created_at, expires_at=message.expires_at, done=message.done,
        recipients=tuple(QueuedRecipient(r.address, r.state, r.last_error)
                         for r in message.recipients.order_by("pk")),
    )


@_database
def load_outbound(queue_id: str) -> QueuedMessage | None:
    message = OutboundMessage.objects.select_related("domain").filter(pk=queue_id).first()
    return _queued(message) if message else None


@_database
def claim_outbound(queue_id: str, lease: timedelta) -> QueuedMessage | None:
    """Take a due, unfinished message for one delivery attempt; None if it is not ours to send.

    One conditional UPDATE moves ``next_attempt_at`` ``lease`` into the future
    and counts the attempt: of two workers given the same message, one wins
    (PostgreSQL re-checks the condition on the locked row; SQLite serializes
    writers), and a second task for it finds it not due and does nothing.
    """
    now = timezone.now()
    claimed = OutboundMessage.objects.filter(
        pk=queue_id, done=False, next_attempt_at__lte=now + timedelta(seconds=5)
    ).update(next_attempt_at=now + lease, attempts=models.F("attempts") + 1)
    return load_outbound(queue_id) if claimed else None


@_database
def record_outcomes(queue_id: str, outcomes) -> None:
    """Store ``(address, state, error)`` for recipients still waiting (never undo a delivery)."""
    now = timezone.now()
    with transaction.atomic():
        for address, state, error in outcomes:
            OutboundRecipient.objects.filter(
                message_id=queue_id, address=address, state__in=_WAITING
            ).update(state=state, last_error=error[:2000], updated_at=now)


@_database
def retry_outbound(queue_id: str, when: datetime) -> None:
    """Try the message again at ``when`` (the delivery task is scheduled for then)."""
    OutboundMessage.objects.filter(pk=queue_id, done=False).update(next_attempt_at=when)
    _dispatch(queue_id, eta=when)


@_database
def finish_outbound(queue_id: str) -> None:
    OutboundMessage.objects.filter(pk=queue_id).update(done=True)


@_database
def overdue_outbound(grace: timedelta, limit: int = 1000) -> list[str]:
    """Unfinished messages due for more than ``grace``: their task was lost. Re-sends each.

    Each is marked due now first (a conditional update, so a message a worker
    claimed meanwhile is left alone), so it is re-sent once per ``grace`` at most.
    """
    now = timezone.now()
    candidates = (OutboundMessage.objects.filter(done=False, next_attempt_at__lte=now - grace)
                  .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    resent = []
    for queue_id in list(candidates):
        if OutboundMessage.objects.filter(pk=queue_id, done=False,
                                          next_attempt_at__lte=now - grace
                                          ).update(next_attempt_at=now):
            _dispatch(queue_id)
            resent.append(queue_id)
    return resent


@_database
def outbound_finished(queue_ids) -> set[str]:
    """Those of ``queue_ids`` that are done or have no record at all."""
    queue_ids = set(queue_ids)
    waiting = OutboundMessage.objects.filter(pk__in=queue_ids, done=False)
    return queue_ids - set(waiting.values_list("pk", flat=True))


@dataclass(frozen=True)
class DkimSigningKey:
    domain: str
    selector: str
    private_key: str  # PKCS#1 PEM


@_database
def dkim_signing_key(domain: str) -> DkimSigningKey | None:
    """The key hosted ``domain`` signs its outbound mail with, or None."""
    key = DkimKey.objects.filter(domain__name=domain, domain__is_active=True).first()
    return DkimSigningKey(domain, key.selector, key.private_key) if key else None
