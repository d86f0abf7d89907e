"""Fixtures of the routing tests that run the SMTP server (see tests/smtp/conftest.py)."""

import pytest

# The SMTP tests' fixtures, shared: start_smtp, the test CA and its certificate.
from tests.smtp.conftest import (  # noqa: F401
    ca,
    client_tls_context,
    jane_maildir,
    start_smtp,
    tls_files,
)


@pytest.fixture
def mx(start_smtp, jane):  # noqa: F811 (a fixture, imported above)
    return start_smtp()
