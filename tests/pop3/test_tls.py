"""STLS (RFC 2595) with a certificate from trustme."""

import poplib
import socket
import ssl

import pytest
import trustme

from tests.pop3.conftest import CLIENT_TIMEOUT, login


@pytest.fixture
def ca():
    return trustme.CA()


@pytest.fixture
def tls_pop3(settings, tmp_path, ca, pop3_factory):
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    settings.HOSTPANEL_TLS_CERT = str(cert_file)
    settings.HOSTPANEL_TLS_KEY = str(key_file)
    return pop3_factory()


def client_context(ca) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_stls_works_and_is_offered_only_before_it(tls_pop3, ca, mail_jane):
    mail_jane(b"Subject: secret\n\nover TLS\n")
    client = tls_pop3.client()
    assert "STLS" in client.capa()
    assert client.stls(context=client_context(ca)).startswith(b"+OK")
    assert isinstance(client.sock, ssl.SSLSocket)
    assert "STLS" not in client.capa()
    with pytest.raises(poplib.error_proto, match="already"):
        client._shortcmd("STLS")
    login(client)
    _, lines, _ = client.retr(1)
    assert lines == [b"Subject: secret", b"", b"over TLS"]
    client.quit()


def test_stls_is_refused_after_login(tls_pop3, mail_jane):
    client = tls_pop3.client()
    login(client)
    with pytest.raises(poplib.error_proto, match="not valid in the TRANSACTION state"):
        client._shortcmd("STLS")
    client.quit()


def test_commands_pipelined_after_stls_are_not_run(tls_pop3, mail_jane):
    with socket.create_connection(("127.0.0.1", tls_pop3.port), CLIENT_TIMEOUT) as sock:
        reader = sock.makefile("rb")
        assert reader.readline().startswith(b"+OK")
        sock.sendall(b"STLS\r\nUSER jane@example.com\r\n")
        assert reader.readline().startswith(b"-ERR no command may follow STLS")
        assert reader.readline() == b""  # the server hung up


def test_tls_is_required_by_default_and_the_setting_reaches_the_server(settings):
    from mailcore.directory import server_config

    assert server_config().pop3_require_tls is True
    settings.HOSTPANEL_POP3_REQUIRE_TLS = False
    assert server_config().pop3_require_tls is False


def test_tls_required_still_lets_loopback_clients_log_in_in_clear(settings, tls_pop3, mail_jane):
    settings.HOSTPANEL_POP3_REQUIRE_TLS = True
    pop3 = tls_pop3.__class__({"failure_delay": 0.01}).start()
    try:
        client = pop3.client()
        assert {"USER", "SASL", "STLS"} <= set(client.capa())
        assert login(client).startswith(b"+OK")
        client.quit()
    finally:
        pop3.stop()


def test_pop3_over_tls_speaks_tls_from_the_first_byte(tls_pop3, pop3_factory, ca, mail_jane):
    mail_jane(b"Subject: secret\n\nover implicit TLS\n")
    server = pop3_factory(implicit_tls=True)
    client = poplib.POP3_SSL("127.0.0.1", server.port, context=client_context(ca),
                             timeout=CLIENT_TIMEOUT)
    assert "STLS" not in client.capa()
    login(client)
    _, lines, _ = client.retr(1)
    assert lines == [b"Subject: secret", b"", b"over implicit TLS"]
    client.quit()


def test_pop3_over_tls_needs_a_certificate(pop3_factory, settings):
    settings.HOSTPANEL_TLS_CERT = ""
    with pytest.raises(ValueError, match="certificate"):
        pop3_factory(implicit_tls=True)


def test_the_plain_and_the_tls_port_count_failed_logins_together(settings, tmp_path, ca):
    """One Authenticator for pop3d's two listeners: a guesser cannot double its tries."""
    import asyncio

    from django.core.management import load_command_class

    from mailcore.directory import server_config

    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    settings.HOSTPANEL_TLS_CERT, settings.HOSTPANEL_TLS_KEY = str(cert_file), str(key_file)
    command = load_command_class("hostpanel.servers", "pop3d")

    async def both_ports():
        plain, implicit = await command._start(server_config(), "127.0.0.1", 0, 0)
        try:
            return plain.authenticator is implicit.authenticator
        finally:
            for server in (plain, implicit):
                server.close()
                await server.wait_closed()

    assert asyncio.run(both_ports())
