from celery import shared_task

from hostpanel.spam import services


@shared_task
def purge_caught_spam() -> int:
    """Delete caught spam older than HOSTPANEL_SPAM_DAYS (hourly from beat)."""
    return services.purge_caught_spam()
