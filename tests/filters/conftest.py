"""Fixtures of the virus-scanning tests: a real clamd, and the SMTP server using it."""

import pytest

from tests.clamd import ClamdProcess

# The SMTP tests' fixtures, shared: start_smtp, the test CA and its certificate.
from tests.smtp.conftest import (  # noqa: F401
    ca,
    client_tls_context,
    jane_maildir,
    start_smtp,
    tls_files,
)


@pytest.fixture(scope="session")
def clamd(tmp_path_factory):
    """One clamd for the whole session (it starts in well under a second)."""
    process = ClamdProcess(tmp_path_factory.mktemp("clamd")).start()
    yield process
    process.stop()


@pytest.fixture
def quarantine_dir(tmp_path, settings):
    settings.HOSTPANEL_QUARANTINE = tmp_path / "quarantine"
    return settings.HOSTPANEL_QUARANTINE


@pytest.fixture
def scanning_server(start_smtp, clamd, quarantine_dir, jane):  # noqa: F811
    """MX and submission listeners that scan with the session's clamd."""
    return start_smtp(clamd=clamd.setting, clamd_timeout=10, quarantine=quarantine_dir)
