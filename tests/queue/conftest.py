"""Fixtures of the outbound queue tests: a remote domain whose MX is the sink."""

import pytest

from tests.queue.helpers import REMOTE


@pytest.fixture
def remote(test_dns, sink):
    """``remote.test`` MX ``mx.remote.test`` = 127.0.0.1, where the sink listens."""
    test_dns.add_mail_domain(REMOTE)
    return sink
