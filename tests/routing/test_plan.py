"""Building the delivery plan (pure: a directory in memory, no database, no sockets)."""

from datetime import date

import pytest

from mailcore.routing.facts import read_facts
from mailcore.routing.plan import MAX_DEPTH, build_plan
from tests.routing.fakes import FakeDirectory

TODAY = date(2030, 6, 15)


@pytest.fixture
def directory(tmp_path):
    return FakeDirectory(tmp_path)


def message(*headers: str, to="info@example.com") -> bytes:
    lines = ["From: Bob <bob@remote.test>", f"To: {to}", "Subject: Hello",
             "Message-ID: <1@remote.test>", *headers]
    return ("\r\n".join(lines) + "\r\n\r\nHi\r\n").encode()


def plan_for(directory, *addresses, data=None, sender="bob@remote.test", today=TODAY):
    recipients = [(address, directory.find_route(address)) for address in addresses]
    return build_plan(read_facts(data or message()), sender, recipients, today, directory)


def local_traces(plan):
    return {copy.mailbox.address: copy.trace for copy in plan.local}


def remote_traces(plan):
    return {copy.address: copy.trace for copy in plan.remote}


def test_a_mailbox_gets_one_copy_that_passed_only_itself(directory):
    directory.mailbox("jane@example.com")
    plan = plan_for(directory, "jane@example.com")
    assert local_traces(plan) == {"jane@example.com": ("jane@example.com",)}
    assert (plan.remote, plan.replies, plan.loops, plan.failed) == ((), (), (), ())


def test_a_forward_to_one_local_and_two_remote_targets(directory):
    directory.mailbox("jane@example.com")
    directory.forward("info@example.com", "jane@example.com", "x@remote.test", "Y@Other.Test")
    plan = plan_for(directory, "info@example.com")
    assert local_traces(plan) == {"jane@example.com": ("info@example.com", "jane@example.com")}
    assert remote_traces(plan) == {"x@remote.test": ("info@example.com",),
                                   "Y@other.test": ("info@example.com",)}


def test_forwards_to_forwards_and_forwarding_accounts_expand(directory):
    directory.mailbox("jane@example.com", mode="forward", forward_to=("j@remote.test",))
    directory.mailbox("john@example.com")
    directory.forward("team@example.com", "jane@example.com", "sales@example.com")
    directory.forward("sales@example.com", "john@example.com")
    plan = plan_for(directory, "team@example.com")
    assert local_traces(plan) == {
        "john@example.com": ("team@example.com", "sales@example.com", "john@example.com"),
    }
    assert remote_traces(plan) == {"j@remote.test": ("team@example.com", "jane@example.com")}


def test_a_mailbox_reached_twice_gets_one_copy(directory):
    directory.mailbox("jane@example.com")
    directory.forward("info@example.com", "jane@example.com", "x@remote.test")
    directory.forward("sales@example.com", "jane@example.com", "X@remote.test")
    plan = plan_for(directory, "jane@example.com", "info@example.com", "sales@example.com")
    assert local_traces(plan) == {"jane@example.com": ("jane@example.com",)}
    assert list(remote_traces(plan)) == ["x@remote.test"]
    assert plan.loops == ()


def test_a_local_forward_loop_is_one_loop_and_no_copy(directory):
    directory.forward("a@example.com", "b@example.com")
    directory.forward("b@example.com", "a@example.com")
    plan = plan_for(directory, "a@example.com", "b@example.com")
    assert plan.loops == ("a@example.com",)
    assert not plan.delivers


def test_a_loop_beside_a_real_target_delivers_the_target_quietly(directory):
    directory.mailbox("jane@example.com")
    directory.forward("a@example.com", "b@example.com", "jane@example.com")
    directory.forward("b@example.com", "a@example.com")
    plan = plan_for(directory, "a@example.com")
    assert list(local_traces(plan)) == ["jane@example.com"]
    assert plan.loops == ()


def test_a_message_that_was_already_delivered_to_the_address_is_a_loop(directory):
    directory.forward("a@example.com", "x@remote.test")
    plan = plan_for(directory, "a@example.com",
                    data=message("Delivered-To: x@remote.test", "Delivered-To: a@example.com"))
    assert plan.loops == ("a@example.com",)
    assert not plan.delivers


def test_a_forward_to_a_remote_address_the_message_came_from_is_a_loop(directory):
    directory.mailbox("jane@example.com")
    directory.forward("a@example.com", "x@remote.test", "jane@example.com")
    plan = plan_for(directory, "a@example.com", data=message("Delivered-To: X@remote.test"))
    assert plan.loops == ("x@remote.test",)
    assert list(local_traces(plan)) == ["jane@example.com"]


def test_a_chain_longer_than_the_depth_limit_is_a_loop(directory):
    for hop in range(MAX_DEPTH + 2):
        directory.forward(f"hop{hop}@example.com", f"hop{hop + 1}@example.com")
    directory.mailbox(f"hop{MAX_DEPTH + 2}@example.com")
    plan = plan_for(directory, "hop0@example.com")
    assert plan.loops == (f"hop{MAX_DEPTH}@example.com",)
    assert not plan.delivers


def test_forward_mode_sends_on_and_keeps_a_copy_only_when_asked(directory):
    directory.mailbox("jane@example.com", mode="forward", forward_to=("j@remote.test",))
    directory.mailbox("lisa@example.com")
    directory.mailbox("john@example.com", mode="forward", forward_to=("j@remote.test",
                                                                       "lisa@example.com"),
                      save_copy=True)
    jane = plan_for(directory, "jane@example.com")
    assert (local_traces(jane), list(remote_traces(jane))) == ({}, ["j@remote.test"])
    john = plan_for(directory, "john@example.com")
    assert sorted(local_traces(john)) == ["john@example.com", "lisa@example.com"]
    assert list(remote_traces(john)) == ["j@remote.test"]


def test_delete_mode_drops_the_message_but_vacation_still_answers(directory):
    directory.mailbox("jane@example.com", mode="delete",
                      vacation=("Away", "Back Monday", None, None))
    plan = plan_for(directory, "jane@example.com", data=message(to="jane@example.com"))
    assert plan.discarded == ("jane@example.com",)
    assert plan.local == () and plan.delivers
    [reply] = plan.replies
    assert (reply.kind, reply.responder, reply.recipient) == (
        "vacation", "jane@example.com", "bob@remote.test")


@pytest.mark.parametrize(
    ("start", "end", "replies"),
    [
        (None, None, True),
        (date(2030, 6, 15), date(2030, 6, 15), True),
        (date(2030, 6, 16), None, False),
        (None, date(2030, 6, 14), False),
    ],
)
def test_vacation_answers_only_between_its_dates(directory, start, end, replies):
    directory.mailbox("jane@example.com", vacation=("", "Away", start, end))
    plan = plan_for(directory, "jane@example.com", data=message(to="jane@example.com"))
    assert bool(plan.replies) is replies
    assert list(local_traces(plan)) == ["jane@example.com"]


def test_vacation_does_not_answer_mailing_list_mail(directory):
    directory.mailbox("jane@example.com", vacation=("", "Away", None, None))
    plan = plan_for(directory, "jane@example.com",
                    data=message("List-Id: <dev.lists.test>", to="jane@example.com"))
    assert plan.replies == ()
    assert plan.quiet == (("jane@example.com", "mailing list"),)


def test_vacation_answers_mail_sent_to_a_forward_that_leads_to_the_account(directory):
    directory.mailbox("jane@example.com", vacation=("", "Away", None, None))
    directory.forward("info@example.com", "jane@example.com")
    assert plan_for(directory, "info@example.com").replies[0].responder == "jane@example.com"


def test_an_autoresponder_answers_and_sends_its_copy(directory):
    directory.mailbox("jane@example.com")
    directory.autoresponder("help@example.com", copy_to="jane@example.com", subject="Got it")
    plan = plan_for(directory, "help@example.com", data=message(to="help@example.com"))
    assert local_traces(plan) == {"jane@example.com": ("help@example.com", "jane@example.com")}
    [reply] = plan.replies
    assert (reply.kind, reply.responder, reply.subject) == (
        "autoresponder", "help@example.com", "Got it")


def test_an_autoresponder_without_copy_to_takes_the_message_and_only_answers(directory):
    directory.autoresponder("help@example.com")
    plan = plan_for(directory, "help@example.com", data=message(to="help@example.com"))
    assert (plan.local, plan.remote, plan.loops, plan.failed) == ((), (), (), ())
    assert len(plan.replies) == 1


def test_a_catch_all_is_a_forward_to_a_bare_name_of_the_domain(directory):
    directory.mailbox("jane@example.com")
    directory.forward("whatever@example.com", "jane", catch_all=True)
    plan = plan_for(directory, "whatever@example.com")
    assert local_traces(plan) == {
        "jane@example.com": ("whatever@example.com", "jane@example.com")}


def test_a_forward_to_a_missing_local_address_is_a_failure(directory):
    directory.forward("info@example.com", "ghost@example.com", "broken@")
    plan = plan_for(directory, "info@example.com")
    assert plan.failed == (("ghost@example.com", "no such user"),
                           ("broken@", "invalid address"))
    assert not plan.delivers


def test_a_recipient_without_route_is_sent_directly(directory):
    plan = build_plan(read_facts(message()), "jane@example.com", [("x@remote.test", None)],
                      TODAY, directory)
    assert remote_traces(plan) == {"x@remote.test": ()}
