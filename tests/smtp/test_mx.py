"""The MX listener, driven by smtplib against a server on 127.0.0.1."""

import smtplib

import pytest

from mailcore.maildir import to_lf
from tests.smtp.helpers import (
    CLIENT_NAME,
    DELIVERED,
    MESSAGE_TOO_BIG,
    RECIPIENT_OK,
    RELAYING_DENIED,
    SERVER_NAME,
    TOO_MANY_RECIPIENTS,
    UNKNOWN_USER,
    connect,
    message,
    reply_code,
    send,
    stored_messages,
    strip_received,
)


def test_it_delivers_to_jane_with_a_received_header(smtp_server, jane_maildir):
    original = message(subject="Lunch")
    assert send(smtp_server, original)[-1] == DELIVERED
    [stored] = stored_messages(jane_maildir)
    received, rest = strip_received(stored)
    assert rest == to_lf(original)
    assert received.startswith(f"Received: from {CLIENT_NAME} (".encode())
    assert b"[127.0.0.1])" in received
    assert f"by {SERVER_NAME} (hostpanel) with ESMTP id ".encode() in received
    assert b"for <jane@example.com>; " in received
    assert not list((jane_maildir / "tmp").iterdir())


def test_its_reply_to_data_names_the_message(smtp_server, jane_maildir):
    with connect(smtp_server) as client:
        client.mail("bob@remote.test")
        client.rcpt("jane@example.com")
        code, text = client.data(message())
    transaction_id = text.decode().rsplit(" ", 1)[1]
    [stored] = stored_messages(jane_maildir)
    assert f" id {transaction_id}".encode() in strip_received(stored)[0]


def test_it_greets_with_its_host_name(smtp_server):
    with smtplib.SMTP(timeout=10) as client:
        code, banner = client.connect(smtp_server.host, smtp_server.mx_port)
        assert (code, banner) == (220, f"{SERVER_NAME} ESMTP hostpanel".encode())
        code, text = client.ehlo(CLIENT_NAME)
    assert code == 250
    assert text.startswith(SERVER_NAME.encode())
    assert {"8bitmime", "smtputf8", "size"} <= set(client.esmtp_features)


def test_it_accepts_mail_for_several_recipients_and_omits_for(smtp_server, domain,
                                                             account_factory, jane_maildir):
    account_factory(domain, "john")
    replies = send(smtp_server, message(), to=["jane@example.com", "John@Example.COM"])
    assert replies[-1] == DELIVERED
    [for_jane] = stored_messages(jane_maildir)
    [for_john] = stored_messages(jane_maildir.parent / "john")
    assert for_jane.startswith(b"Delivered-To: jane@example.com\n")
    assert for_john.startswith(b"Delivered-To: john@example.com\n")
    assert strip_received(for_jane) == strip_received(for_john)
    assert b"for <" not in strip_received(for_jane)[0]


def test_it_accepts_bounces_with_the_null_sender(smtp_server, jane_maildir):
    assert send(smtp_server, message(), sender="<>")[-1] == DELIVERED
    assert len(stored_messages(jane_maildir)) == 1


def test_it_rejects_an_unknown_recipient(smtp_server):
    assert send(smtp_server, message(), to=["nobody@example.com"])[1] == UNKNOWN_USER


def test_it_refuses_to_relay_to_a_domain_it_does_not_host(smtp_server):
    assert send(smtp_server, message(), to=["someone@other.org"])[1] == RELAYING_DENIED


@pytest.mark.parametrize(
    ("recipient", "expected"),
    [
        ("<jane%other.org@example.com>", RELAYING_DENIED),
        ("<other.org!jane@example.com>", RELAYING_DENIED),
        ('<"x@other.org"@example.com>', RELAYING_DENIED),
        ("<@example.com:x@other.org>", RELAYING_DENIED),
        ("<x@[127.0.0.1]>", RELAYING_DENIED),
        ("<jane@[IPv6:::1]>", RELAYING_DENIED),
        ("<jane@example.com.other.org>", RELAYING_DENIED),
    ],
)
def test_it_refuses_relay_tricks(smtp_server, _mail_root, recipient, expected):
    with connect(smtp_server) as client:
        client.mail("bob@remote.test")
        reply = client.docmd("RCPT", f"TO:{recipient}")
    assert reply_code(reply) == expected
    assert not _mail_root.exists() or not any(p.is_file() for p in _mail_root.rglob("*"))


def test_a_source_route_to_a_local_mailbox_is_ignored(smtp_server, jane_maildir):
    with connect(smtp_server) as client:
        client.mail("bob@remote.test")
        assert reply_code(client.docmd("RCPT", "TO:<@relay.test:jane@example.com>")) == RECIPIENT_OK
        assert reply_code(client.data(message())) == DELIVERED
    assert len(stored_messages(jane_maildir)) == 1


def test_it_limits_the_recipients_of_one_message(smtp_server):
    with connect(smtp_server) as client:
        client.mail("bob@remote.test")
        replies = [reply_code(client.rcpt("jane@example.com")) for _ in range(101)]
    assert replies[:100] == [RECIPIENT_OK] * 100
    assert replies[100] == TOO_MANY_RECIPIENTS


def test_it_refuses_a_message_over_the_size_limit_and_stores_nothing(start_smtp, jane,
                                                                     jane_maildir):
    server = start_smtp(message_size_limit=10_000)
    big = message(body=("y" * 70 + "\r\n") * 200)
    assert send(server, big)[-1] == MESSAGE_TOO_BIG
    assert stored_messages(jane_maildir) == []
    assert not (jane_maildir / "tmp").exists() or not list((jane_maildir / "tmp").iterdir())
    # The client learns it at MAIL when it declares the size.
    with connect(server) as client:
        assert client.has_extn("size") and client.esmtp_features["size"] == "10000"
        assert reply_code(client.mail("bob@remote.test", ["SIZE=20000"])) == MESSAGE_TOO_BIG
    # A message within the limit still goes through.
    assert send(server, message())[-1] == DELIVERED
