"""Start every process of a development run in one terminal (``make run``).

Runs ``setup`` first, then hands over to honcho with the Procfile: web, smtpd,
pop3d, Celery worker and beat, their logs interleaved; Ctrl-C stops them all.
"""

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from hostpanel.servers import localclamd
from hostpanel.servers.management.commands.setup import TLSFiles, banner, development_tls


def process_environment(tls: TLSFiles | None, base: dict[str, str]) -> dict[str, str]:
    """The environment every Procfile process gets: the same home, ports and certificate."""
    env = dict(base)
    # The interpreter running this command is the virtualenv's: its python and celery first.
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", os.defpath)])
    env["PYTHONUNBUFFERED"] = "1"
    env["HOSTPANEL_HOME"] = str(settings.HOSTPANEL_HOME)
    env.pop("HOSTPANEL_HOME_FILE", None)
    env["HOSTPANEL_WEB_HOST"] = settings.HOSTPANEL_WEB_HOST
    env["HOSTPANEL_WEB_PORT"] = str(settings.HOSTPANEL_WEB_PORT)
    env.setdefault("HOSTPANEL_WORKER_CONCURRENCY", "2")
    if tls and tls.generated:
        env["HOSTPANEL_TLS_CERT"] = tls.cert
        env["HOSTPANEL_TLS_KEY"] = tls.key
    return env


def with_clamd(procfile: Path, clamd: localclamd.LocalClamd) -> Path:
    """A copy of ``procfile`` under HOSTPANEL_HOME with the local clamd as one more process."""
    combined = Path(settings.HOSTPANEL_HOME) / "Procfile.run"
    combined.write_text(procfile.read_text().rstrip("\n") + f"\nclamd: {clamd.command}\n")
    return combined


class Command(BaseCommand):
    help = (
        "Set up HOSTPANEL_HOME, print the URLs and logins, then run web, smtpd, pop3d, "
        "the Celery worker and beat with honcho (development; Ctrl-C stops all)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--procfile",
            default=str(settings.BASE_DIR / "Procfile"),
            help="The process list (default: the Procfile next to manage.py).",
        )
        parser.add_argument(
            "processes", nargs="*", help="Start only these processes (default: all)."
        )

    def handle(self, *args, procfile, processes, **options):
        procfile = Path(procfile).resolve()
        workdir = procfile.parent
        if not procfile.is_file():
            raise CommandError(f"No process list at {procfile}.")
        # make demo: no example.com with a known password next to the public demo, which
        # starts from its fixture.
        call_command("setup", no_banner=True, no_seed=settings.HOSTPANEL_DEMO,
                     verbosity=options["verbosity"], stdout=self.stdout)
        if settings.HOSTPANEL_DEMO:
            call_command("demo", "reset", stdout=self.stdout)
        tls = development_tls()
        clamd = localclamd.prepare()
        self.stdout.write("\n" + banner(tls))
        if settings.HOSTPANEL_DEMO:
            from hostpanel.demo import DEMO_LOGINS

            logins = ", ".join(f"{login} / {password}" for login, password in DEMO_LOGINS.items())
            self.stdout.write(f"  Live demo    {logins} (reset every 15 minutes)\n")
        if clamd:
            self.stdout.write(f"  Virus scan   {clamd.address} (a local clamd, {clamd.config})\n")
            procfile = with_clamd(procfile, clamd)
        elif not settings.HOSTPANEL_CLAMD:
            self.stdout.write(f"  Virus scan   off: {localclamd.why_not()}\n")
        self.stdout.write("\nStarting every process; Ctrl-C stops them all.\n\n")
        self.stdout.flush()
        connections.close_all()
        env = process_environment(tls, dict(os.environ))
        if clamd:
            env["HOSTPANEL_CLAMD"] = clamd.address
        argv = [sys.executable, "-m", "honcho", "start",
                "-f", str(procfile), "-d", str(workdir), *processes]
        os.execve(sys.executable, argv, env)  # noqa: S606 - honcho replaces this process
