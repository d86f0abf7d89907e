"""``manage.py smtpd``: the MX and submission listeners in one asyncio process."""

import asyncio
import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hostpanel.servers.management.commands._mail import MAIL_SERVER_CHECKS
from mailcore.directory import server_config
from mailcore.runner import serve_until_stopped
from mailcore.smtp.server import ConfigurationError, start_servers


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise ValueError(value)
    return port


class Command(BaseCommand):
    requires_system_checks = MAIL_SERVER_CHECKS
    help = (
        "Run the SMTP listeners until SIGTERM or Ctrl-C: the MX (incoming mail, "
        "HOSTPANEL_SMTP_PORT), submission with STARTTLS (HOSTPANEL_SUBMISSION_PORT) and, "
        "when HOSTPANEL_SUBMISSIONS_PORT is set, submission over implicit TLS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", help="Address to listen on (default: HOSTPANEL_SMTP_HOST).")
        parser.add_argument(
            "--port", type=_port, help="MX port (default: HOSTPANEL_SMTP_PORT; 0: any free port)."
        )
        parser.add_argument(
            "--submission-port",
            type=_port,
            help="Submission port (default: HOSTPANEL_SUBMISSION_PORT; 0: any free port).",
        )
        parser.add_argument(
            "--submissions-port",
            type=_port,
            help="Implicit-TLS submission port (default: HOSTPANEL_SUBMISSIONS_PORT, where 0 "
            "means off; given here, 0 means any free port). Needs HOSTPANEL_TLS_CERT.",
        )
        parser.add_argument(
            "--reuse-port",
            action="store_true",
            help="Listen with SO_REUSEPORT: several smtpd processes started with this option "
            "share the same ports, and the kernel spreads the connections among them (one "
            "process uses one CPU core; start one per core).",
        )

    def handle(self, *args, host=None, port=None, submission_port=None, submissions_port=None,
               reuse_port=False, **options):
        config = server_config()
        if not settings.HOSTPANEL_MAIL_DEBUG_LOG:
            # aiosmtpd logs every command line at INFO; our handler logs one line per message.
            logging.getLogger("mail.log").setLevel(logging.WARNING)

        async def start():
            return await start_servers(config, host, port, submission_port, submissions_port,
                                       reuse_port=reuse_port)

        try:
            asyncio.run(serve_until_stopped(start, "smtpd"))
        except OSError as error:
            raise CommandError(f"smtpd cannot listen: {error}") from error
        except ConfigurationError as error:
            raise CommandError(f"smtpd: {error}") from error
