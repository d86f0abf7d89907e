"""The Received header builder (pure)."""

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from mailcore.smtp.received import Trace, address_literal, protocol_name, received_header

WHEN = datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=1)))


def trace(**fields) -> Trace:
    values = dict(helo="client.example", ip="192.0.2.1", reverse_name="mail.client.example",
                  by="mx.example.com", transaction_id="ABC123", when=WHEN)
    values.update(fields)
    return Trace(**values)


def test_it_records_client_server_protocol_id_recipient_and_date():
    header = received_header(trace(recipient="jane@example.com"))
    # The date is in the server's own time zone, as MTAs write it.
    date = format_datetime(WHEN.astimezone())
    assert header.decode() == (
        "Received: from client.example (mail.client.example [192.0.2.1])\r\n"
        "\tby mx.example.com (hostpanel) with ESMTP id ABC123\r\n"
        f"\tfor <jane@example.com>; {date}\r\n"
    )
    assert parsedate_to_datetime(date) == WHEN


def test_it_leaves_out_the_recipient_when_there_are_several():
    header = received_header(trace(recipient=None)).decode()
    assert "for <" not in header
    assert "with ESMTP id ABC123;\r\n\t" in header


def test_it_gives_only_the_address_without_a_verified_reverse_name():
    header = received_header(trace(reverse_name=None)).decode()
    assert header.startswith("Received: from client.example ([192.0.2.1])\r\n")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"esmtp": False}, "SMTP"),
        ({"esmtp": True}, "ESMTP"),
        ({"tls": "TLSv1.3 TLS_AES_256_GCM_SHA384"}, "ESMTPS"),
        ({"authenticated": True}, "ESMTPA"),
        ({"tls": "TLSv1.3 X", "authenticated": True}, "ESMTPSA"),
        ({"smtputf8": True}, "UTF8SMTP"),
        ({"smtputf8": True, "tls": "TLSv1.3 X"}, "UTF8SMTPS"),
        ({"smtputf8": True, "tls": "TLSv1.3 X", "authenticated": True}, "UTF8SMTPSA"),
    ],
)
def test_it_names_the_protocol_as_rfc_3848_and_6531_say(fields, expected):
    assert protocol_name(trace(**fields)) == expected


def test_it_notes_the_tls_version_and_cipher():
    header = received_header(trace(tls="TLSv1.3 TLS_AES_256_GCM_SHA384")).decode()
    assert "with ESMTPS (TLSv1.3 TLS_AES_256_GCM_SHA384) id ABC123" in header


@pytest.mark.parametrize(
    ("ip", "literal"),
    [
        ("192.0.2.1", "[192.0.2.1]"),
        ("2001:db8:0:0::1", "[IPv6:2001:db8::1]"),
        ("::ffff:192.0.2.7", "[192.0.2.7]"),
        ("fe80::1%eth0", "[IPv6:fe80::1]"),
    ],
)
def test_it_writes_client_addresses_as_rfc_5321_literals(ip, literal):
    assert address_literal(ip) == literal


def test_a_client_cannot_forge_clauses_or_lines_through_its_helo():
    header = received_header(trace(helo="evil (by trusted.example [10.0.0.1])\r\nX-Spam: no"))
    text = header.decode("ascii")
    assert text.count("\r\n") == 3
    assert "(by" not in text and "X-Spam: no" not in text
    assert text.startswith("Received: from evil??by?trusted.example?[10.0.0.1]???X-Spam:?no (")


def test_an_internationalized_helo_is_written_in_ascii():
    header = received_header(trace(helo="bücher.example"))
    assert header.startswith(b"Received: from xn--bcher-kva.example (")
    assert header.isascii()


def test_an_empty_helo_is_unknown():
    assert received_header(trace(helo="")).startswith(b"Received: from unknown (")
