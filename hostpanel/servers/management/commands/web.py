"""``manage.py web``: the panel under gunicorn, for production (development: ``make run``).

The system checks run first, like for every command: an unsafe production
configuration stops here, before gunicorn starts.
"""

import argparse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hostpanel.servers.management.commands._exec import exec_module


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return number


class Command(BaseCommand):
    help = (
        "Run the panel with gunicorn (production): static files from collectstatic through "
        "whitenoise, access log on stdout. Options after -- go to gunicorn unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind", action="append",
            help="Address to listen on, HOST:PORT or unix:PATH; repeat for several "
                 "(default: HOSTPANEL_WEB_HOST:HOSTPANEL_WEB_PORT).")
        parser.add_argument(
            "--workers", type=_positive,
            help="Worker processes (default: HOSTPANEL_WEB_WORKERS).")
        parser.add_argument(
            "--timeout", type=_positive,
            help="Seconds a request may take before its worker is restarted "
                 "(default: HOSTPANEL_WEB_TIMEOUT).")
        parser.add_argument(
            "--max-requests", type=int, default=1000,
            help="Restart a worker after this many requests, against slow leaks "
                 "(default: 1000; 0: never).")
        parser.add_argument("--no-access-log", action="store_true",
                            help="Do not log each request on stdout.")
        parser.add_argument("gunicorn_args", nargs="*", metavar="-- GUNICORN OPTION",
                            help="More gunicorn options, after --.")

    def handle(self, *args, bind=None, workers=None, timeout=None, max_requests=1000,
               no_access_log=False, gunicorn_args=(), **options):
        if max_requests < 0:
            raise CommandError("--max-requests must be 0 or more.")
        binds = bind or [_default_bind()]
        argv = []
        for address in binds:
            argv += ["--bind", address]
        argv += [
            "--workers", str(workers or settings.HOSTPANEL_WEB_WORKERS),
            "--timeout", str(timeout or settings.HOSTPANEL_WEB_TIMEOUT),
            "--graceful-timeout", "30",
            "--max-requests", str(max_requests),
            "--max-requests-jitter", str(max_requests // 10),
            "--error-logfile", "-",
        ]
        if not no_access_log:
            argv += ["--access-logfile", "-"]
        exec_module("gunicorn", [*argv, *gunicorn_args, "hostpanel.wsgi:application"])


def _default_bind() -> str:
    host = settings.HOSTPANEL_WEB_HOST
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{settings.HOSTPANEL_WEB_PORT}"
