from celery import shared_task
from django.conf import settings

from hostpanel.demo import services


@shared_task
def reset() -> float | None:
    """Restore the live demo to its fixture (every 15 minutes from beat); off unless
    HOSTPANEL_DEMO, so that beat's schedule can always name it."""
    if not settings.HOSTPANEL_DEMO:
        return None
    return services.reset()
