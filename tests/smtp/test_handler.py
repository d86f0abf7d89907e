"""The MX policy hooks called directly, as aiosmtpd's engine calls them."""

import asyncio
import dataclasses

import pytest

from mailcore.directory import server_config
from mailcore.smtp.handler import MXHandler, declared_size
from mailcore.smtp.protocol import MailEnvelope, MailSession
from tests.smtp.test_recipients import FakeDirectory


@pytest.fixture
def handler(tmp_path):
    config = dataclasses.replace(server_config(), hostname="mx.test.example")
    return MXHandler(config, directory=FakeDirectory(tmp_path / "jane"), max_recipients=3)


@pytest.fixture
def session():
    loop = asyncio.new_event_loop()
    session = MailSession(loop)
    session.peer = ("2001:db8::25", 40000, 0, 0)
    session.host_name = "client.test"
    session.extended_smtp = True
    session.reverse_looked_up = True  # no DNS in unit tests
    yield session
    loop.close()


def run(coroutine):
    return asyncio.run(coroutine)


def test_it_records_the_sender_and_its_declared_size(handler, session):
    envelope = MailEnvelope()
    reply = run(handler.handle_MAIL(None, session, envelope, "bob@remote.test",
                                    ["SIZE=1234", "BODY=8BITMIME"]))
    assert reply.startswith("250 2.1.0")
    assert (envelope.mail_from, envelope.declared_size) == ("bob@remote.test", 1234)


def test_non_ascii_addresses_need_smtputf8(handler, session):
    envelope = MailEnvelope()
    assert run(handler.handle_MAIL(None, session, envelope, "jörg@exämple.org", []))\
        .startswith("553 5.6.7")
    envelope.smtp_utf8 = True
    assert run(handler.handle_MAIL(None, session, envelope, "jörg@exämple.org", ["SMTPUTF8"]))\
        .startswith("250 ")


def test_it_stops_taking_recipients_at_the_limit(handler, session):
    envelope = MailEnvelope()
    envelope.mail_from = "bob@remote.test"
    replies = [run(handler.handle_RCPT(None, session, envelope, "jane@example.com", []))
               for _ in range(4)]
    assert [r[:9] for r in replies] == ["250 2.1.5"] * 3 + ["452 4.5.3"]
    assert len(envelope.routes) == 3


def test_a_refused_recipient_is_not_added_to_the_envelope(handler, session):
    envelope = MailEnvelope()
    envelope.mail_from = "bob@remote.test"
    reply = run(handler.handle_RCPT(None, session, envelope, "x@other.org", []))
    assert reply.startswith("550 5.7.1")
    assert envelope.rcpt_tos == [] and envelope.routes == []


def test_data_stores_with_a_received_header_for_an_ipv6_client(handler, session, tmp_path):
    envelope = MailEnvelope()
    envelope.mail_from = "bob@remote.test"
    run(handler.handle_RCPT(None, session, envelope, "jane@example.com", []))
    envelope.original_content = b"Subject: hi\r\n\r\nbody\r\n"
    reply = run(handler.handle_DATA(None, session, envelope))
    assert reply.startswith("250 2.0.0")
    [stored] = (tmp_path / "jane" / "new").iterdir()
    assert stored.read_bytes().startswith(
        b"Delivered-To: jane@example.com\n"
        b"Received: from client.test ([IPv6:2001:db8::25])\n\tby mx.test.example (hostpanel)"
    )
    assert stored.read_bytes().endswith(b"\nSubject: hi\n\nbody\n")


@pytest.mark.parametrize(
    ("options", "size"),
    [([], 0), (["SIZE=100"], 100), (["BODY=8BITMIME", "size=7"], 7), (["SIZE="], 0)],
)
def test_declared_size_reads_rfc_1870s_parameter(options, size):
    assert declared_size(options) == size
