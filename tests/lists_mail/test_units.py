"""Pure parts: the subscribers' copy, request parsing, VERP and bounce addresses."""

import base64

import pytest

from mailcore.lists import bounces, commands, headers, post
from mailcore.queue.delivery import verp_sender
from mailcore.routing.facts import read_facts
from tests.lists_mail.helpers import parse

TRAILER = "-- \nteam: 100 % Ärger-frei"


def build(message: bytes, **edits) -> bytes:
    return headers.build(message, headers.Edits(fields=(("List-Id", "<team.example.com>"),),
                                                **edits))


def test_a_plain_text_post_gets_the_trailer_in_its_own_charset_and_encoding():
    latin = ("From: a@b.test\r\nSubject: x\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
             "Content-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n").encode("latin-1")
    copy = build(latin, trailer=TRAILER)
    assert copy.endswith("Grüße\r\n\r\n-- \r\nteam: 100 % Ärger-frei\r\n".encode("latin-1"))
    qp = (b"From: a@b.test\r\nContent-Type: text/plain; charset=utf-8\r\n"
          b"Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n")
    content = parse(build(qp, trailer=TRAILER)).get_content()
    assert content.replace("\r\n", "\n") == "Grüße\n\n" + TRAILER + "\n"


def test_a_signed_or_base64_post_is_wrapped_with_the_trailer_as_its_own_part():
    signed = (b"From: a@b.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; "
              b'protocol="application/pgp-signature"; boundary="s"\r\n\r\n'
              b"--s\r\nContent-Type: text/plain\r\n\r\nsigned text\r\n"
              b"--s\r\nContent-Type: application/pgp-signature\r\n\r\nSIG\r\n--s--\r\n")
    copy = parse(build(signed, trailer=TRAILER))
    assert copy.get_content_type() == "multipart/mixed"
    inner, trailer = copy.get_payload()
    assert inner.get_content_type() == "multipart/signed"
    assert signed.split(b"\r\n\r\n", 1)[1] in build(signed, trailer=TRAILER)  # byte for byte
    assert trailer.get_content().replace("\r\n", "\n") == TRAILER + "\n"
    b64 = (b"From: a@b.test\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(b"hello") + b"\r\n")
    first, _trailer = parse(build(b64, trailer=TRAILER)).get_payload()
    assert first.get_content() == "hello"


def test_list_fields_are_replaced_and_the_rest_kept_byte_for_byte():
    message = (b"Received: from x\r\n\tby y\r\nList-Id: <other.example.org>\r\n"
               b"Precedence: bulk\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
               b"X-Odd:   spaced  \r\n\r\nbody\r\n")
    copy = build(message, subject=headers.encode("[team] Grüße"))
    assert copy.startswith(b"Received: from x\r\n\tby y\r\nX-Odd:   spaced  \r\n")
    assert copy.count(b"List-Id") == 1 and b"Precedence: bulk" not in copy
    assert parse(copy)["Subject"] == "[team] Grüße"
    assert copy.endswith(b"\r\n\r\nbody\r\n")


@pytest.mark.parametrize("subject, expected", [
    ("Plans", "[team] Plans"), ("Re: [team] Plans", None), ("AW: [TEAM] Plans", None),
    ("", "[team]")])
def test_the_prefix_goes_in_once(subject, expected):
    assert headers.prefixed(subject, "[team]") == expected


def test_a_strict_dmarc_from_is_rewritten_with_the_authors_name():
    assert headers.rewrite_from("Jane Roe <jane@strict.test>", "team", "team@example.com") == \
        "Jane Roe via team <team@example.com>"


@pytest.mark.parametrize("subject, body, expected", [
    ("subscribe", "", ("subscribe", "")), ("", "\r\n  Unsubscribe x@y.test\r\n",
                                            ("unsubscribe", "x@y.test")),
    ("GET 12", "", ("get", "12")), ("Hello", "what is this?", ("help", ""))])
def test_a_request_is_read_from_the_subject_or_the_first_line(subject, body, expected):
    message = f"From: a@b.test\r\nSubject: {subject}\r\n\r\n{body}".encode()
    assert commands.parse_request(message, read_facts(message)) == expected


def test_verp_addresses_name_the_recipient_and_come_back_to_it():
    address = verp_sender("team-return-12-@example.com", "Jane.Doe@Remote.Test")
    assert address == "team-return-12-jane.doe=remote.test@example.com"
    argument = address.partition("@")[0].removeprefix("team-return-")
    assert bounces.bounced_address(argument) == (12, "jane.doe@remote.test")
    assert bounces.bounced_address("12-") is None
    assert bounces.bounced_address("x-jane=remote.test") is None


def test_only_a_report_of_delays_is_not_a_bounce():
    assert bounces.only_delayed(b"Action: delayed\r\n\r\nAction: delayed\r\n")
    assert not bounces.only_delayed(b"Action: delayed\r\n\r\nAction: failed\r\n")
    assert not bounces.only_delayed(b"Your mail could not be delivered")


@pytest.mark.parametrize("posting, roles, expected", [
    ("subscribers", frozenset({"digest"}), post.SEND),
    ("subscribers_moderated", frozenset(), post.HOLD),
    ("moderators", frozenset({"subscriber"}), "moderators"),
    ("moderated", frozenset({"moderator"}), post.HOLD)])
def test_the_posting_verdict(posting, roles, expected):
    assert post.verdict(posting, roles) == expected
