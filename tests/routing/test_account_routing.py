"""An account's routing (standard, forward with or without a copy, delete) and autoresponders."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hostpanel.routing.models import AutoReplySent, Autoresponder, Routing
from tests.routing.helpers import delivered_to, inbox, mail, parse, queued, replies_queued
from tests.smtp.helpers import DELIVERED, send


def test_delete_mode_accepts_and_drops_the_mail(mx, jane, caplog, _mail_root):
    Routing.objects.create(account=jane, mode=Routing.DELETE)
    assert send(mx, mail())[-1] == DELIVERED
    assert inbox("jane@example.com") == []
    assert queued() == []
    assert "dropped (the account deletes all mail)" in caplog.text


@pytest.mark.parametrize("save_copy", [True, False])
def test_forward_mode_sends_on_and_keeps_a_copy_only_with_save_copy(mx, jane, save_copy):
    Routing.objects.create(account=jane, mode=Routing.FORWARD,
                           forward_to=["j@remote.test", "k@remote.test"], save_copy=save_copy)
    assert send(mx, mail())[-1] == DELIVERED
    [entry] = queued()
    assert (entry["origin"], entry["recipients"]) == ("forward",
                                                      ["j@remote.test", "k@remote.test"])
    assert delivered_to(entry["data"]) == ["jane@example.com"]
    assert len(inbox("jane@example.com")) == (1 if save_copy else 0)


def test_forward_mode_to_another_account_delivers_there(mx, jane, domain, account_factory):
    account_factory(domain, "john")
    Routing.objects.create(account=jane, mode=Routing.FORWARD, forward_to=["john@example.com"])
    assert send(mx, mail())[-1] == DELIVERED
    [stored] = inbox("john@example.com")
    assert delivered_to(stored) == ["john@example.com", "jane@example.com"]
    assert inbox("jane@example.com") == []


def test_standard_mode_with_a_routing_row_delivers_to_the_mailbox(mx, jane):
    Routing.objects.create(account=jane, mode=Routing.STANDARD, forward_to=["j@remote.test"])
    assert send(mx, mail())[-1] == DELIVERED
    assert len(inbox("jane@example.com")) == 1
    assert queued() == []


@pytest.fixture
def helpdesk(domain):
    return Autoresponder.objects.create(domain=domain, local_part="help",
                                        copy_to="jane@example.com",
                                        subject="We got your message",
                                        message="We answer within a day.")


def write_to_help(server, sender="bob@remote.test"):
    assert send(server, mail(sender, "help@example.com", "Broken"),
                to=["help@example.com"], sender=sender)[-1] == DELIVERED


def test_an_autoresponder_answers_and_copies_each_message(mx, helpdesk):
    write_to_help(mx)
    [copy] = inbox("jane@example.com")
    assert delivered_to(copy) == ["jane@example.com", "help@example.com"]
    [reply] = replies_queued()
    assert (reply["sender"], reply["recipients"]) == ("", ["bob@remote.test"])
    message = parse(reply["data"])
    assert (message["From"], message["Subject"]) == ("help@example.com", "We got your message")
    assert message["Auto-Submitted"] == "auto-replied"
    assert message.get_content().strip() == "We answer within a day."


def test_an_autoresponder_answers_a_sender_once_per_hour(mx, helpdesk):
    write_to_help(mx)
    write_to_help(mx)
    assert len(inbox("jane@example.com")) == 2  # every message is copied
    assert len(replies_queued()) == 1
    AutoReplySent.objects.update(sent_at=timezone.now() - timedelta(hours=1, minutes=1))
    write_to_help(mx)
    assert len(replies_queued()) == 2


def test_an_autoresponder_copy_to_a_remote_address_is_queued(mx, helpdesk):
    helpdesk.copy_to = "desk@remote.test"
    helpdesk.save()
    write_to_help(mx)
    [copy] = [entry for entry in queued() if entry["origin"] == "forward"]
    assert copy["recipients"] == ["desk@remote.test"]
    assert delivered_to(copy["data"]) == ["help@example.com"]


def test_an_autoresponder_without_copy_to_only_answers(mx, helpdesk):
    helpdesk.copy_to = ""
    helpdesk.save()
    write_to_help(mx)
    assert inbox("jane@example.com") == []
    assert [entry["origin"] for entry in queued()] == ["autoreply"]
