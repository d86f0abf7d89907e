"""RFC 3834: when an automatic reply may go out (pure)."""

import pytest

from mailcore.routing.facts import read_facts
from mailcore.routing.rfc3834 import refusal

ME = "jane@example.com"


def facts(*headers: str, to=f"Jane <{ME}>", cc=""):
    lines = ["From: Bob <bob@remote.test>", f"To: {to}", *([f"Cc: {cc}"] if cc else []),
             "Subject: Hi", *headers]
    return read_facts(("\r\n".join(lines) + "\r\n\r\nbody\r\n").encode())


@pytest.mark.parametrize(
    "headers",
    [
        ("Auto-Submitted: auto-replied",),
        ("Auto-Submitted: auto-generated",),
        ("Auto-Submitted: Auto-Notified; owner-email=x@y",),
        ("Precedence: bulk",),
        ("Precedence: LIST",),
        ("Precedence: junk",),
        ("List-Id: Developers <dev.lists.test>",),
        ("List-Unsubscribe: <mailto:leave@lists.test>",),
        ("List-Post: <mailto:dev@lists.test>",),
        ("X-Auto-Response-Suppress: OOF, DR",),
        ("X-Auto-Response-Suppress: All",),
    ],
)
def test_it_never_answers_automatic_bulk_or_list_mail(headers):
    assert refusal(facts(*headers), "bob@remote.test", [ME]) is not None


@pytest.mark.parametrize(
    "sender",
    ["", "<>", "MAILER-DAEMON@remote.test", "postmaster@remote.test", "noreply@shop.test",
     "no-reply@shop.test", "do-not-reply@shop.test", "news.noreply@shop.test",
     "owner-dev@lists.test", "dev-request@lists.test", "dev-owner@lists.test",
     "dev-bounces@lists.test", "bounces+123@mailer.test", "listserv@lists.test",
     "Majordomo@lists.test"],
)
def test_it_never_answers_empty_or_robot_senders(sender):
    assert refusal(facts(), sender, [ME]) is not None


def test_it_never_answers_when_the_address_is_not_in_to_or_cc():
    assert refusal(facts(to="team@lists.test"), "bob@remote.test", [ME]) == (
        "not addressed in To or Cc")


def test_it_never_answers_the_responder_itself():
    assert refusal(facts(), ME, [ME]) is not None


@pytest.mark.parametrize(
    ("kwargs", "own"),
    [
        ({}, [ME]),
        ({"to": "someone@else.test", "cc": "JANE@Example.com"}, [ME]),
        ({"to": "info@example.com"}, ["info@example.com", ME]),
    ],
)
def test_it_answers_a_person_who_wrote_to_the_address(kwargs, own):
    assert refusal(facts(**kwargs), "bob@remote.test", own) is None


def test_auto_submitted_no_is_a_person_writing():
    assert refusal(facts("Auto-Submitted: no"), "bob@remote.test", [ME]) is None


def test_precedence_first_class_is_answered():
    assert refusal(facts("Precedence: first-class"), "bob@remote.test", [ME]) is None
