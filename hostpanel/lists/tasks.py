"""Celery tasks of the mailing lists."""

from celery import shared_task


@shared_task
def expire_pending() -> int:
    """Drop posts that waited for a moderator longer than HOSTPANEL_LIST_MODERATION_DAYS."""
    from mailcore.directory import expire_pending_posts

    return expire_pending_posts()


@shared_task
def send_digests() -> int:
    """Send the digests that are due (a day's posts, or 100 KB of them)."""
    from mailcore.directory import server_config
    from mailcore.lists.digest import send_digests as send
    from mailcore.routing.executor import Router

    return send(Router(server_config()))
