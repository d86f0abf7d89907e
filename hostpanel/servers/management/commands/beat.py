"""``manage.py beat``: Celery beat, the scheduler of the periodic tasks (one per site).

The system checks run first, like for every command; ``hostpanel/celery.py`` runs
them again in beat itself.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from hostpanel.servers.management.commands._exec import exec_module
from hostpanel.servers.management.commands.worker import _log_level


class Command(BaseCommand):
    help = (
        "Run Celery beat, which sends the periodic tasks to the worker; run exactly one. "
        "Options after -- go to `celery beat` unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            help="File where beat keeps the last run of each task "
                 "(default: CELERY_BEAT_SCHEDULE_FILENAME, under HOSTPANEL_HOME).")
        parser.add_argument("--loglevel", help="Log level (default: HOSTPANEL_LOG_LEVEL).")
        parser.add_argument("celery_args", nargs="*", metavar="-- CELERY OPTION",
                            help="More `celery beat` options, after --.")

    def handle(self, *args, schedule=None, loglevel=None, celery_args=(), **options):
        argv = ["-A", "hostpanel", "beat", "--loglevel", loglevel or _log_level(),
                "--schedule", schedule or settings.CELERY_BEAT_SCHEDULE_FILENAME]
        exec_module("celery", [*argv, *celery_args])
