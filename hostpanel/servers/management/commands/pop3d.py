"""``manage.py pop3d``: the POP3 server, until SIGTERM or Ctrl-C."""

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand

from mailcore.directory import server_config
from mailcore.pop3.server import Pop3Server
from mailcore.runner import serve_until_stopped


class Command(BaseCommand):
    help = "Run the POP3 server (RFC 1939, with STLS when a certificate is configured)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=None,
                            help="address to listen on (default HOSTPANEL_POP3_HOST)")
        parser.add_argument("--port", type=int, default=None,
                            help="port to listen on, 0 for any free one "
                                 "(default HOSTPANEL_POP3_PORT)")

    def handle(self, *args, host=None, port=None, **options):
        host = host or settings.HOSTPANEL_POP3_HOST
        port = settings.HOSTPANEL_POP3_PORT if port is None else port
        asyncio.run(serve_until_stopped(lambda: self._start(host, port), "pop3d"))

    async def _start(self, host: str, port: int):
        server = Pop3Server(server_config())
        return [await server.start(host, port)]
