"""STARTTLS on both listeners; the submission listener before AUTH (tests/submission: after)."""

import smtplib

import pytest

from tests.smtp.helpers import (
    AUTH_REQUIRED,
    CLIENT_NAME,
    DELIVERED,
    SERVER_NAME,
    message,
    reply_code,
    stored_messages,
    strip_received,
)


def test_starttls_works_with_the_configured_certificate(start_smtp, jane, tls_files,
                                                       client_tls_context, jane_maildir):
    cert, key = tls_files
    server = start_smtp(tls_cert=cert, tls_key=key)
    with smtplib.SMTP(server.host, server.mx_port, local_hostname=CLIENT_NAME,
                      timeout=10) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        code, _ = client.starttls(context=client_tls_context)
        assert code == 220
        assert client.sock.version() in {"TLSv1.2", "TLSv1.3"}
        client.ehlo()
        assert not client.has_extn("starttls")
        assert not client.has_extn("auth")  # the MX takes no logins
        client.mail("bob@remote.test")
        client.rcpt("jane@example.com")
        assert reply_code(client.data(message())) == DELIVERED
    [stored] = stored_messages(jane_maildir)
    assert b" with ESMTPS (TLSv1." in strip_received(stored)[0]


def test_starttls_is_not_required_on_the_mx(start_smtp, jane, tls_files, jane_maildir):
    cert, key = tls_files
    server = start_smtp(tls_cert=cert, tls_key=key)
    with smtplib.SMTP(server.host, server.mx_port, timeout=10) as client:
        assert client.sendmail("bob@remote.test", ["jane@example.com"], message()) == {}
    assert len(stored_messages(jane_maildir)) == 1


def test_starttls_is_not_offered_without_a_certificate(smtp_server):
    with smtplib.SMTP(smtp_server.host, smtp_server.mx_port, timeout=10) as client:
        client.ehlo()
        assert not client.has_extn("starttls")
        assert client.docmd("STARTTLS")[0] == 454


def test_the_submission_port_greets_and_refuses_mail_without_auth(smtp_server, jane_maildir):
    with smtplib.SMTP(timeout=10) as client:
        code, banner = client.connect(smtp_server.host, smtp_server.submission_port)
        assert (code, banner) == (220, f"{SERVER_NAME} ESMTP hostpanel".encode())
        assert client.ehlo(CLIENT_NAME)[0] == 250
        assert not client.has_extn("auth")
        assert reply_code(client.mail("jane@example.com")) == AUTH_REQUIRED
        assert reply_code(client.docmd("RCPT", "TO:<jane@example.com>")) == AUTH_REQUIRED
        with pytest.raises(smtplib.SMTPDataError) as error:
            client.data(message())
        assert error.value.smtp_code == 530
    assert stored_messages(jane_maildir) == []


def test_the_submission_port_offers_auth_only_after_starttls(start_smtp, jane, tls_files,
                                                            client_tls_context):
    cert, key = tls_files
    server = start_smtp(tls_cert=cert, tls_key=key)
    with smtplib.SMTP(server.host, server.submission_port, timeout=10) as client:
        client.ehlo(CLIENT_NAME)
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")
        client.starttls(context=client_tls_context)
        client.ehlo(CLIENT_NAME)
        assert client.has_extn("auth")
        assert reply_code(client.mail("jane@example.com")) == AUTH_REQUIRED


def test_a_failed_tls_handshake_closes_that_connection_only(start_smtp, jane, tls_files,
                                                            client_tls_context):
    cert, key = tls_files
    server = start_smtp(tls_cert=cert, tls_key=key)
    with smtplib.SMTP(server.host, server.mx_port, timeout=10) as client:
        client.ehlo(CLIENT_NAME)
        assert client.docmd("STARTTLS")[0] == 220
        client.sock.sendall(b"this is not a TLS client hello\r\n" * 10)
        received = b""
        try:
            while chunk := client.sock.recv(1024):  # until the server closes it
                received += chunk
        except ConnectionResetError:
            pass  # closed with some of the garbage unread
        assert b"Error" not in received and b"Traceback" not in received
    with smtplib.SMTP(server.host, server.mx_port, timeout=10) as client:
        client.starttls(context=client_tls_context)
        assert client.noop()[0] == 250
