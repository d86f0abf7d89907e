"""Submission: STARTTLS before AUTH, AUTH before mail, logins as user@domain or user%domain."""

import asyncio
import base64
import dataclasses
import smtplib

import pytest
from django.core.management import CommandError, call_command

from mailcore.directory import server_config
from mailcore.smtp.server import ConfigurationError, start_servers
from tests.conftest import PASSWORD
from tests.smtp.helpers import AUTH_REQUIRED, CLIENT_NAME, DELIVERED, message, reply_code
from tests.submission.helpers import (
    AUTH_INVALID,
    AUTH_OK,
    AUTH_THROTTLED,
    STARTTLS_FIRST,
    submission_client,
)


def plain(login: str, password: str) -> str:
    return base64.b64encode(f"\0{login}\0{password}".encode()).decode()


def test_auth_is_offered_and_accepted_only_after_starttls(server, client_tls_context):
    with submission_client(server) as client:
        assert client.has_extn("starttls") and not client.has_extn("auth")
        code, text = client.docmd("AUTH", "PLAIN " + plain("jane@example.com", PASSWORD))
        assert reply_code((code, text)) == STARTTLS_FIRST
        assert text == b"5.7.0 Must issue a STARTTLS command first"
        client.starttls(context=client_tls_context)
        client.ehlo()
        assert client.esmtp_features["auth"].split() == ["LOGIN", "PLAIN"]
        code, text = client.docmd("AUTH", "PLAIN " + plain("jane@example.com", PASSWORD))
        assert reply_code((code, text)) == AUTH_OK


def test_auth_login_works_too(server, client_tls_context):
    with submission_client(server, client_tls_context) as client:
        client.user, client.password = "jane@example.com", PASSWORD
        assert reply_code(client.auth("LOGIN", client.auth_login, initial_response_ok=False)) \
            == AUTH_OK


def test_eudora_logins_with_a_percent_sign_are_accepted(server, client_tls_context):
    with submission_client(server, client_tls_context) as client:
        assert reply_code(client.login("Jane%Example.com", PASSWORD)) == AUTH_OK


def test_a_wrong_password_is_refused(server, client_tls_context):
    with submission_client(server, client_tls_context) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError) as error:
            client.login("jane@example.com", "wrong password")
        assert (error.value.smtp_code, error.value.smtp_error[:5]) == (535, b"5.7.8")
        assert reply_code(client.mail("jane@example.com")) == AUTH_REQUIRED


def test_too_many_failures_refuse_even_the_right_password(start_tls_server, jane,
                                                          client_tls_context):
    server = start_tls_server(auth_max_failures=2)
    with submission_client(server, client_tls_context) as client:
        for _ in range(2):
            reply = client.docmd("AUTH", "PLAIN " + plain("jane@example.com", "nope"))
            assert reply_code(reply) == AUTH_INVALID
        reply = client.docmd("AUTH", "PLAIN " + plain("jane@example.com", PASSWORD))
        assert reply_code(reply) == AUTH_THROTTLED


def test_acting_as_another_user_is_refused(server, client_tls_context):
    data = base64.b64encode(f"john@example.com\0jane@example.com\0{PASSWORD}".encode())
    with submission_client(server, client_tls_context) as client:
        assert reply_code(client.docmd("AUTH", "PLAIN " + data.decode())) == AUTH_INVALID


def test_malformed_auth_data_is_a_syntax_error(server, client_tls_context):
    with submission_client(server, client_tls_context) as client:
        assert client.docmd("AUTH", "PLAIN not-base64!")[0] == 501
        assert client.docmd("AUTH", "PLAIN " + base64.b64encode(b"no nul").decode())[0] == 501


def test_mail_needs_auth_even_after_starttls(server, client_tls_context):
    with submission_client(server, client_tls_context) as client:
        assert reply_code(client.mail("jane@example.com")) == AUTH_REQUIRED


def test_plain_text_auth_from_loopback_when_the_setting_allows_it(start_smtp, jane):
    server = start_smtp(auth_plaintext_loopback=True)  # no certificate at all
    with submission_client(server) as client:
        assert not client.has_extn("starttls")
        assert client.has_extn("auth")
        assert reply_code(client.login("jane@example.com", PASSWORD)) == AUTH_OK


def test_without_the_setting_plain_text_auth_is_refused_on_loopback_too(start_smtp, jane):
    server = start_smtp()
    with submission_client(server) as client:
        assert not client.has_extn("auth")
        reply = client.docmd("AUTH", "PLAIN " + plain("jane@example.com", PASSWORD))
        assert reply_code(reply) == STARTTLS_FIRST


def test_the_implicit_tls_listener_offers_auth_at_once(start_smtp, jane, tls_files,
                                                       client_tls_context, jane_maildir):
    cert, key = tls_files
    server = start_smtp(submissions=True, tls_cert=cert, tls_key=key)
    with smtplib.SMTP_SSL(server.host, server.submissions_port, local_hostname=CLIENT_NAME,
                          context=client_tls_context, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("auth") and not client.has_extn("starttls")
        client.login("jane@example.com", PASSWORD)
        client.mail("jane@example.com")
        client.rcpt("jane@example.com")
        assert reply_code(client.data(message(to="jane@example.com").replace(
            b"From: Bob <bob@remote.test>", b"From: Jane <jane@example.com>"))) == DELIVERED
    [stored] = (jane_maildir / "new").iterdir()
    assert b" with ESMTPSA (TLSv1." in stored.read_bytes()


def test_the_implicit_tls_listener_needs_a_certificate(db, settings):
    config = dataclasses.replace(server_config(), tls_cert="", tls_key="")
    with pytest.raises(ConfigurationError):
        asyncio.run(start_servers(config, "127.0.0.1", 0, 0, 0))
    settings.HOSTPANEL_TLS_CERT = ""
    with pytest.raises(CommandError, match="implicit-TLS submission port needs"):
        call_command("smtpd", "--port", "0", "--submission-port", "0", "--submissions-port", "0")


def test_a_second_auth_is_refused(server, client_tls_context):
    with submission_client(server, client_tls_context) as client:
        client.login("jane@example.com", PASSWORD)
        assert reply_code(client.docmd("AUTH", "PLAIN x")) == (503, "5.5.1")


def test_starttls_forgets_an_earlier_login(start_tls_server, jane, client_tls_context):
    server = start_tls_server(auth_plaintext_loopback=True)
    with submission_client(server) as client:
        client.login("jane@example.com", PASSWORD)
        client.starttls(context=client_tls_context)
        client.ehlo()
        assert reply_code(client.mail("jane@example.com")) == AUTH_REQUIRED
