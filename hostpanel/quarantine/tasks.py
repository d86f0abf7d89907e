from celery import shared_task

from hostpanel.quarantine import services


@shared_task
def purge_quarantine() -> int:
    return services.purge_quarantine()


@shared_task
def refresh_definitions() -> str:
    from hostpanel.quarantine import scanner

    status = scanner.refresh_definitions()
    return status.reload_answer
