"""Fixtures of the Mail settings and autoconfiguration tests."""

import pytest

# The panel's logins, and the real POP3 and submission servers (with the test CA).
from tests.panel.conftest import operator, other_domain, other_postmaster  # noqa: F401
from tests.pop3.conftest import pop3, pop3_factory  # noqa: F401
from tests.smtp.conftest import ca, client_tls_context, start_smtp, tls_files  # noqa: F401
from tests.submission.conftest import start_tls_server  # noqa: F401

MAIL_HOST = "mail.example.net"


@pytest.fixture
def production_ports(settings):
    """A host with a certificate and every listener on its usual port."""
    settings.HOSTPANEL_MAIL_HOST = MAIL_HOST
    settings.HOSTPANEL_TLS_CERT = "/etc/hostpanel/cert.pem"
    settings.HOSTPANEL_TLS_KEY = "/etc/hostpanel/key.pem"
    settings.HOSTPANEL_POP3_PORT = 110
    settings.HOSTPANEL_POP3S_PORT = 995
    settings.HOSTPANEL_SUBMISSION_PORT = 587
    settings.HOSTPANEL_SUBMISSIONS_PORT = 465
    return settings


@pytest.fixture
def starttls_only(settings):
    """A certificate, but no implicit-TLS listeners (the development defaults otherwise)."""
    settings.HOSTPANEL_MAIL_HOST = MAIL_HOST
    settings.HOSTPANEL_TLS_CERT = "/etc/hostpanel/cert.pem"
    settings.HOSTPANEL_POP3S_PORT = 0
    settings.HOSTPANEL_SUBMISSIONS_PORT = 0
    return settings
