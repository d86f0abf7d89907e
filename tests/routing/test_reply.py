"""The automatic reply's text and headers (pure, no sockets)."""

from email import message_from_bytes, policy

import pytest

from mailcore.routing.facts import read_facts
from mailcore.routing.plan import ReplyJob
from mailcore.routing.reply import build_reply, clean_subject, reply_subject

ORIGINAL = (
    b"From: Bob <bob@remote.test>\r\nTo: jane@example.com\r\n"
    b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
    b"Message-ID: <m2@remote.test>\r\nReferences: <m0@remote.test> <m1@remote.test>\r\n"
    b"\r\nHi\r\n"
)


def job(subject="", text="Back Monday.", kind="vacation"):
    return ReplyJob(kind, "jane@example.com", "bob@remote.test", subject, text)


def parsed(data: bytes):
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    return message_from_bytes(data, policy=policy.default)


def test_a_reply_answers_the_original_as_rfc_3834_says():
    reply = parsed(build_reply(job(), read_facts(ORIGINAL)))
    assert reply["From"] == "jane@example.com"
    assert reply["To"] == "bob@remote.test"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == "<m2@remote.test>"
    assert reply["References"] == "<m0@remote.test> <m1@remote.test> <m2@remote.test>"
    assert reply["Message-ID"].endswith("@example.com>")
    assert reply["Date"]
    assert reply.get_content().strip() == "Back Monday."


def test_without_a_subject_it_is_re_and_the_original_subject():
    reply = parsed(build_reply(job(), read_facts(ORIGINAL)))
    assert reply["Subject"] == "Re: Grüße"


def test_a_subject_already_starting_with_re_is_not_doubled():
    assert reply_subject("", "RE: lunch") == "RE: lunch"


def test_a_configured_subject_is_used_as_is():
    reply = parsed(build_reply(job(subject="Out of office"), read_facts(ORIGINAL)))
    assert reply["Subject"] == "Out of office"


@pytest.mark.parametrize(
    "subject",
    ["Away\r\nBcc: victim@remote.test", "Away\nBcc: victim@remote.test",
     "Away\rBcc: victim@remote.test", "Away\x00\u2028Bcc: victim@remote.test"],
)
def test_a_subject_cannot_inject_a_header(subject):
    data = build_reply(job(subject=subject), read_facts(ORIGINAL))
    reply = parsed(data)
    assert reply["Bcc"] is None
    assert reply["Subject"] == "Away Bcc: victim@remote.test"
    assert b"\r\nBcc:" not in data


def test_clean_subject_keeps_one_short_line():
    assert clean_subject("a\tb\r\n\r\n c" + "x" * 500) == ("a b c" + "x" * 500)[:200]


def test_a_non_ascii_text_is_utf8_quoted_printable():
    data = build_reply(job(text="Zurück am Montag — Grüße ✉"), read_facts(ORIGINAL))
    reply = parsed(data)
    assert reply["Content-Transfer-Encoding"] == "quoted-printable"
    assert reply.get_content_charset() == "utf-8"
    assert reply.get_content().strip() == "Zurück am Montag — Grüße ✉"
    assert data.isascii()


def test_a_reply_to_a_message_without_message_id_has_no_in_reply_to():
    reply = parsed(build_reply(job(), read_facts(b"Subject: x\r\n\r\nbody\r\n")))
    assert reply["In-Reply-To"] is None and reply["References"] is None
    assert reply["Subject"] == "Re: x"


def test_a_raw_utf8_subject_is_read_as_text():
    facts = read_facts("From: Jörg <jorg@remote.test>\r\nSubject: Grüße aus Köln\r\n\r\nhi\r\n"
                       .encode())
    assert facts.subject == "Grüße aus Köln"
    assert facts.senders == ("jorg@remote.test",)
