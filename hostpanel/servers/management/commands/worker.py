"""``manage.py worker``: the Celery worker, for production (development: ``make run``).

The system checks run first, like for every command; ``hostpanel/celery.py`` runs
them again in the worker itself.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from hostpanel.servers.management.commands._exec import exec_module


class Command(BaseCommand):
    help = (
        "Run the Celery worker (background work: outbound queue, purges, digests). "
        "Options after -- go to `celery worker` unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--concurrency", type=int,
            help="Worker processes (default: HOSTPANEL_WORKER_CONCURRENCY; 0: one per CPU).")
        parser.add_argument("--loglevel", help="Log level (default: HOSTPANEL_LOG_LEVEL).")
        parser.add_argument("celery_args", nargs="*", metavar="-- CELERY OPTION",
                            help="More `celery worker` options, after --.")

    def handle(self, *args, concurrency=None, loglevel=None, celery_args=(), **options):
        if concurrency is None:
            concurrency = settings.HOSTPANEL_WORKER_CONCURRENCY
        argv = ["-A", "hostpanel", "worker", "--loglevel", loglevel or _log_level()]
        if concurrency:
            argv += ["--concurrency", str(concurrency)]
        exec_module("celery", [*argv, *celery_args])


def _log_level() -> str:
    return settings.LOGGING["root"]["level"]
