"""Vacation messages over SMTP: once per sender per period, never to lists or robots."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hostpanel.routing.models import AutoReplySent, Routing
from tests.routing.helpers import delivered_to, inbox, mail, parse, queued, replies_queued
from tests.smtp.helpers import DELIVERED, send


@pytest.fixture
def away(jane):
    return Routing.objects.create(account=jane, vacation_enabled=True,
                                  vacation_subject="", vacation_message="Back on Monday.")


def write(server, sender="bob@remote.test", *headers, envelope_sender=None):
    data = mail(sender, "jane@example.com", "Lunch?", *headers)
    assert send(server, data, sender=envelope_sender or sender)[-1] == DELIVERED
    return data


def test_vacation_answers_the_sender_once_and_keeps_the_mail(mx, away):
    original = write(mx)
    write(mx)
    assert len(inbox("jane@example.com")) == 2
    [reply] = replies_queued()
    assert (reply["sender"], reply["recipients"], reply["domain"]) == (
        "", ["bob@remote.test"], "example.com")
    message = parse(reply["data"])
    assert message["From"] == "jane@example.com"
    assert message["To"] == "bob@remote.test"
    assert message["Subject"] == "Re: Lunch?"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["In-Reply-To"] == parse(original)["Message-ID"]
    assert message.get_content().strip() == "Back on Monday."


def test_vacation_answers_each_sender(mx, away):
    write(mx, "bob@remote.test")
    write(mx, "carol@remote.test")
    assert [r["recipients"] for r in replies_queued()] == [["bob@remote.test"],
                                                           ["carol@remote.test"]]


def test_vacation_answers_again_after_a_day(mx, away):
    write(mx)
    AutoReplySent.objects.update(sent_at=timezone.now() - timedelta(days=1, minutes=1))
    write(mx)
    assert len(replies_queued()) == 2


def test_the_vacation_interval_is_a_setting(start_smtp, away):
    server = start_smtp(vacation_interval_days=3)
    write(server)
    AutoReplySent.objects.update(sent_at=timezone.now() - timedelta(days=2))
    write(server)
    assert len(replies_queued()) == 1


@pytest.mark.parametrize(
    ("headers", "envelope_sender"),
    [
        (("List-Id: <dev.lists.test>",), None),
        (("List-Unsubscribe: <mailto:leave@lists.test>",), None),
        (("Precedence: bulk",), None),
        (("Precedence: list",), None),
        (("Auto-Submitted: auto-replied",), None),
        (("Auto-Submitted: auto-generated",), None),
        ((), "<>"),
        ((), "MAILER-DAEMON@remote.test"),
        ((), "newsletter-noreply@shop.test"),
    ],
)
def test_vacation_never_answers_lists_robots_or_automatic_mail(mx, away, headers,
                                                               envelope_sender):
    write(mx, "bob@remote.test", *headers, envelope_sender=envelope_sender)
    assert replies_queued() == []
    assert len(inbox("jane@example.com")) == 1
    assert AutoReplySent.objects.count() == 0


def test_vacation_does_not_answer_a_blind_copy(mx, away):
    data = mail("bob@remote.test", "team@remote.test", "Lunch?")
    assert send(mx, data)[-1] == DELIVERED
    assert replies_queued() == []


@pytest.mark.parametrize(
    ("start", "end", "answered"),
    [(0, 0, True), (1, None, False), (None, -1, False), (-3, 2, True)],
)
def test_vacation_is_on_only_between_its_dates(mx, away, start, end, answered):
    today = timezone.localdate()
    away.vacation_start = None if start is None else today + timedelta(days=start)
    away.vacation_end = None if end is None else today + timedelta(days=end)
    away.save()
    write(mx)
    assert len(replies_queued()) == (1 if answered else 0)


def test_a_local_sender_gets_the_reply_in_its_mailbox(mx, away, domain, account_factory):
    account_factory(domain, "john")
    write(mx, "john@example.com")
    assert queued() == []
    [reply] = inbox("john@example.com")
    assert delivered_to(reply) == ["john@example.com"]
    assert parse(reply)["Auto-Submitted"] == "auto-replied"
    assert parse(reply)["From"] == "jane@example.com"


def test_a_configured_subject_is_used(mx, away):
    away.vacation_subject = "Out of the office"
    away.save()
    write(mx)
    assert parse(replies_queued()[0]["data"])["Subject"] == "Out of the office"


def test_vacation_answers_while_the_account_forwards_or_deletes(mx, away):
    away.mode, away.forward_to = Routing.FORWARD, ["j@remote.test"]
    away.save()
    write(mx, "bob@remote.test")
    away.mode = Routing.DELETE
    away.save()
    write(mx, "carol@remote.test")
    assert inbox("jane@example.com") == []
    assert [r["recipients"] for r in replies_queued()] == [["bob@remote.test"],
                                                           ["carol@remote.test"]]
    assert [r["recipients"] for r in queued() if r["origin"] == "forward"] == [
        ["j@remote.test"]]
