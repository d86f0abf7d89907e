"""Celery tasks of the outbound queue."""

from celery import shared_task


@shared_task(acks_late=True)
def deliver_outbound(queue_id: str) -> None:
    """Deliver one spooled message to its remote recipients (see mailcore.queue)."""
    from mailcore.queue import delivery

    delivery.attempt(queue_id)


@shared_task
def sweep_outbound() -> int:
    """Re-send deliveries whose task was lost; remove spool files nothing needs any more."""
    from mailcore.queue import sweep

    return len(sweep.sweep())
