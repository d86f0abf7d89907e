"""The Celery application: worker and beat run hostpanel's background work."""

import os

from celery import Celery, signals
from celery.schedules import crontab
from kombu.transport import TRANSPORT_ALIASES

# filesystem:// URLs, wherever they are used, get kombu's filesystem transport as
# hostpanel.lib.broker makes it safe: each message written whole before a worker sees it.
TRANSPORT_ALIASES["filesystem"] = "hostpanel.lib.broker:Transport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostpanel.settings")

app = Celery("hostpanel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_unsafe_start(sender=None, **kwargs):
    """In production, worker and beat stop when the system checks find an unsafe setting."""
    from hostpanel.servers.checks import refuse_unsafe_start

    refuse_unsafe_start("beat" if "beat" in type(sender).__module__ else "worker")

app.conf.beat_schedule = {
    "purge-deleted-mailboxes": {
        "task": "hostpanel.domains.tasks.purge_deleted_mailboxes",
        "schedule": crontab(minute=17),
    },
    "purge-auto-reply-log": {
        "task": "hostpanel.routing.tasks.purge_auto_reply_log",
        "schedule": crontab(minute=43, hour=3),
    },
    "purge-quarantine": {
        "task": "hostpanel.quarantine.tasks.purge_quarantine",
        "schedule": crontab(minute=29),
    },
    "expire-list-moderation": {
        "task": "hostpanel.lists.tasks.expire_pending",
        "schedule": crontab(minute=53),
    },
    "send-list-digests": {
        "task": "hostpanel.lists.tasks.send_digests",
        "schedule": crontab(minute=5),
    },
    "purge-caught-spam": {
        "task": "hostpanel.spam.tasks.purge_caught_spam",
        "schedule": crontab(minute=37),
    },
    "refresh-virus-definitions": {
        "task": "hostpanel.quarantine.tasks.refresh_definitions",
        "schedule": crontab(minute=7),
    },
    "sweep-outbound-spool": {
        "task": "hostpanel.outbound.tasks.sweep_outbound",
        "schedule": 60.0,
    },
    "operator-heartbeat": {
        "task": "hostpanel.operator.tasks.heartbeat",
        "schedule": 60.0,
    },
    # The live demo's reset (a no-op unless HOSTPANEL_DEMO): on the quarter hours, so after
    # beat was down it runs at the next tick; HOSTPANEL_DEMO_RESET_MINUTES says the same.
    "reset-demo": {
        "task": "hostpanel.demo.tasks.reset",
        "schedule": crontab(minute="*/15"),
    },
}
