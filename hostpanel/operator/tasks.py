from celery import shared_task


@shared_task
def heartbeat() -> str:
    """Scheduled by beat every minute: the status page shows when it last ran."""
    from hostpanel.operator.models import Heartbeat

    return Heartbeat.beat().at.isoformat()
