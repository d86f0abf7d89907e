"""Fixtures of the status page's tests: an operator, and no service listening by default.

Every address the page probes is pointed at a free port of 127.0.0.1 (or turned
off), so that a developer's own ``make run`` never answers for a test. Tests that
want a service up start the real one (the SMTP and POP3 tests' fixtures, clamd).
"""

import socket

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from tests.conftest import PASSWORD

# The SMTP and POP3 tests' fixtures, shared: real servers on 127.0.0.1, port 0.
from tests.filters.conftest import clamd  # noqa: F401
from tests.pop3.conftest import pop3_factory  # noqa: F401
from tests.smtp.conftest import start_smtp  # noqa: F401
from tests.support import free_ports


@pytest.fixture(autouse=True)
def _nothing_listens(settings):
    smtp, submission, pop3 = free_ports(3)
    settings.HOSTPANEL_SMTP_HOST = settings.HOSTPANEL_POP3_HOST = "127.0.0.1"
    settings.HOSTPANEL_SMTP_PORT, settings.HOSTPANEL_SUBMISSION_PORT = smtp, submission
    settings.HOSTPANEL_POP3_PORT = pop3
    settings.HOSTPANEL_CLAMD = ""
    settings.REDIS_URL = ""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("admin", PASSWORD)


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def silent_listener():
    """A port that accepts connections (the kernel does) and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()
