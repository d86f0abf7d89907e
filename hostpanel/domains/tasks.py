from celery import shared_task

from hostpanel.domains import services


@shared_task
def purge_deleted_mailboxes() -> int:
    return services.purge_deleted_mailboxes()
