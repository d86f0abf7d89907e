"""Fixtures for the POP3 tests: a real server on 127.0.0.1, port 0, in a thread."""

import asyncio
import poplib
import threading

import pytest
from django.conf import settings

from mailcore.auth import Authenticator
from mailcore.directory import server_config
from mailcore.maildir import Maildir, maildir_path
from mailcore.pop3.server import Pop3Server
from tests.conftest import PASSWORD

CLIENT_TIMEOUT = 10


class ServerThread:
    """A Pop3Server running on its own event loop in a background thread."""

    def __init__(self, authenticator_options: dict, implicit_tls: bool = False):
        self.config = server_config()
        self.authenticator_options = authenticator_options
        self.implicit_tls = implicit_tls
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: Pop3Server | None = None

    async def _start(self) -> Pop3Server:
        authenticator = Authenticator(self.config, **self.authenticator_options)
        return await Pop3Server(self.config, authenticator=authenticator).start(
            "127.0.0.1", 0, implicit_tls=self.implicit_tls)

    def start(self) -> "ServerThread":
        self.thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self.loop)
        self.server = future.result(CLIENT_TIMEOUT)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def stop():
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(CLIENT_TIMEOUT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(CLIENT_TIMEOUT)
        self.loop.run_until_complete(self.loop.shutdown_default_executor())
        self.loop.close()

    def client(self, source: str | None = None) -> poplib.POP3:
        if source is None:
            return poplib.POP3("127.0.0.1", self.port, timeout=CLIENT_TIMEOUT)
        return _POP3From(source, "127.0.0.1", self.port, timeout=CLIENT_TIMEOUT)


class _POP3From(poplib.POP3):
    """A poplib client that connects from a chosen loopback address (127.0.0.2 ...)."""

    def __init__(self, source: str, *args, **kwargs):
        self._source = source
        super().__init__(*args, **kwargs)

    def _create_socket(self, timeout):
        import socket

        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(self._source, 0))


@pytest.fixture
def pop3_factory(transactional_db):
    """Start a server (after changing settings, if the test needs to)."""
    started = []

    def start(implicit_tls=False, **authenticator_options) -> ServerThread:
        authenticator_options.setdefault("failure_delay", 0.01)
        server = ServerThread(authenticator_options, implicit_tls).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def pop3(pop3_factory):
    return pop3_factory()


@pytest.fixture
def mail_jane(transactional_db, domain_factory, account_factory):
    """jane@example.com (password PASSWORD) and a function delivering to her Maildir."""
    jane = account_factory(domain_factory(), "jane")

    def deliver(data: bytes):
        return jane_maildir().deliver(data)

    deliver.account = jane
    return deliver


def jane_maildir() -> Maildir:
    return Maildir(maildir_path(settings.HOSTPANEL_MAIL_ROOT, "example.com", "jane"))


def login(client: poplib.POP3, login: str = "jane@example.com", password: str = PASSWORD):
    client.user(login)
    return client.pass_(password)
