"""Fixtures of the submission tests: the SMTP server with a test certificate."""

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
def start_tls_server(start_smtp, tls_files):  # noqa: F811 (fixtures, imported above)
    """Start the server with the test CA's certificate; overrides as for start_smtp."""
    cert, key = tls_files

    def start(**overrides):
        return start_smtp(tls_cert=cert, tls_key=key, **overrides)

    return start


@pytest.fixture
def server(start_tls_server, jane):
    return start_tls_server()
