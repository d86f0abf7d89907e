"""``manage.py pop3d``: the POP3 server, until SIGTERM or Ctrl-C."""

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hostpanel.servers.management.commands._mail import MAIL_SERVER_CHECKS
from mailcore.auth import Authenticator
from mailcore.directory import server_config
from mailcore.pop3.server import Pop3Server
from mailcore.runner import serve_until_stopped


class Command(BaseCommand):
    requires_system_checks = MAIL_SERVER_CHECKS
    help = ("Run the POP3 server (RFC 1939, with STLS when a certificate is configured, "
            "and POP3 over TLS when HOSTPANEL_POP3S_PORT is set).")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=None,
                            help="address to listen on (default HOSTPANEL_POP3_HOST)")
        parser.add_argument("--port", type=int, default=None,
                            help="port to listen on, 0 for any free one "
                                 "(default HOSTPANEL_POP3_PORT)")
        parser.add_argument("--pop3s-port", type=int, default=None,
                            help="port for POP3 over TLS (995), 0 for any free one "
                                 "(default HOSTPANEL_POP3S_PORT; unset: no such listener)")

    def handle(self, *args, host=None, port=None, pop3s_port=None, **options):
        host = host or settings.HOSTPANEL_POP3_HOST
        port = settings.HOSTPANEL_POP3_PORT if port is None else port
        if pop3s_port is None:
            pop3s_port = settings.HOSTPANEL_POP3S_PORT or None
        config = server_config()
        if pop3s_port is not None and not config.tls_cert:
            raise CommandError("POP3 over TLS needs a certificate: set HOSTPANEL_TLS_CERT "
                               "and HOSTPANEL_TLS_KEY.")
        asyncio.run(serve_until_stopped(lambda: self._start(config, host, port, pop3s_port),
                                        "pop3d"))

    async def _start(self, config, host: str, port: int, pop3s_port: int | None):
        # One Authenticator for both listeners: failed logins count per client address
        # whichever port they come through (and the login cache is shared).
        authenticator = Authenticator(config)
        servers = [await Pop3Server(config, authenticator=authenticator).start(host, port)]
        if pop3s_port is not None:
            servers.append(await Pop3Server(config, authenticator=authenticator).start(
                host, pop3s_port, implicit_tls=True))
        return servers
