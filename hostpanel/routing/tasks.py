from celery import shared_task

from hostpanel.routing import services


@shared_task
def purge_auto_reply_log() -> int:
    return services.purge_auto_reply_log()
