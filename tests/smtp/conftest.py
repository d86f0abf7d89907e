"""Fixtures that start the SMTP server in-process (a thread with its own event loop)."""

import dataclasses
import ssl

import pytest
import trustme

from mailcore.directory import server_config
from mailcore.maildir import maildir_path
from tests.smtp.helpers import SERVER_NAME, ServerThread


@pytest.fixture
def start_smtp(transactional_db, settings):
    """Start a server; keyword arguments override ServerConfig fields.

    ``submissions=True`` also starts the implicit-TLS submission listener.
    """
    settings.HOSTPANEL_HOSTNAME = SERVER_NAME
    started = []

    def start(submissions=False, **overrides):
        server = ServerThread(dataclasses.replace(server_config(), **overrides), submissions)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def smtp_server(start_smtp, jane):
    return start_smtp()


@pytest.fixture
def jane_maildir(_mail_root):
    return maildir_path(_mail_root, "example.com", "jane")


@pytest.fixture
def ca():
    return trustme.CA()


@pytest.fixture
def tls_files(ca, tmp_path):
    """A certificate for 127.0.0.1 signed by the test CA: (cert file, key file)."""
    pem = tmp_path / "server.pem"
    ca.issue_cert("127.0.0.1", "localhost").private_key_and_cert_chain_pem.write_to_path(str(pem))
    return str(pem), str(pem)


@pytest.fixture
def client_tls_context(ca):
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context
