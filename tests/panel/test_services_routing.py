"""An account's routing (standard / forward / delete) and its vacation message (services)."""

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError

from hostpanel.routing import services
from hostpanel.routing.models import Routing


def _errors(account, **changes) -> dict:
    with pytest.raises(ValidationError) as caught:
        services.update_routing(account, **changes)
    return caught.value.message_dict


def _stored(account) -> Routing:
    return Routing.objects.get(account=account)


def test_an_account_without_routing_is_standard_without_vacation(jane):
    routing = services.routing_for(jane)
    assert routing.pk is not None and routing._state.adding  # a default, not stored
    assert (routing.mode, routing.forward_to, routing.vacation_enabled) == (
        "standard", [], False)
    assert not Routing.objects.exists()


def test_it_forwards_an_account_with_or_without_a_copy(jane, account_factory):
    account_factory(jane.domain, "bob")
    services.update_routing(jane, mode="forward", forward_to=["Bob@example.com",
                                                              "jane@Example.NET"],
                            save_copy=True)
    routing = _stored(jane)
    assert (routing.mode, routing.forward_to, routing.save_copy) == (
        "forward", ["bob@example.com", "jane@example.net"], True)


def test_forwarding_needs_at_least_one_address(jane):
    assert _errors(jane, mode="forward", forward_to=[]) == {
        "forward_to": ["Enter at least one address."]}
    assert _errors(jane, mode="forward") == {"forward_to": ["Enter at least one address."]}
    assert not Routing.objects.exists()


def test_an_account_cannot_forward_to_itself(jane):
    errors = _errors(jane, mode="forward", forward_to=["JANE@example.com"])
    assert errors == {"forward_to": ["Mail cannot be forwarded to the account itself "
                                     "(jane@example.com): tick “save a copy” instead."]}


@pytest.mark.parametrize(("targets", "message"), [
    (["not-an-address"], "is not a valid email address"),
    (["ghost@example.com"], "ghost@example.com does not exist here"),
    ([f"u{number}@example.net" for number in range(1000)], "At most 100 addresses"),
    (["a@example.net", "a@EXAMPLE.net"], "is listed twice"),
    (["a@example.net\r\nBcc: b@example.net"], "cannot contain line breaks"),
])
def test_forward_addresses_follow_the_forward_rules(jane, targets, message):
    errors = _errors(jane, mode="forward", forward_to=targets)
    assert list(errors) == ["forward_to"] and message in errors["forward_to"][0]


def test_all_mail_can_be_deleted_and_routing_set_back_to_standard(jane):
    services.update_routing(jane, mode="delete")
    assert _stored(jane).mode == "delete"
    services.update_routing(jane, mode="standard")
    assert _stored(jane).mode == "standard"


def test_mail_to_postmaster_cannot_be_deleted(postmaster):
    errors = _errors(postmaster, mode="delete")
    assert errors == {"mode": ["Mail to postmaster cannot be deleted: every domain must be "
                               "able to receive it."]}


@pytest.mark.parametrize(("changes", "field"), [
    ({"mode": "vacation"}, "mode"),
    ({"mode": None}, "mode"),
    ({"save_copy": "yes"}, "save_copy"),
    ({"vacation_enabled": 1}, "vacation_enabled"),
    ({"vacation_subject": 5}, "vacation_subject"),
    ({"vacation_message": None}, "vacation_message"),
    ({"vacation_start": "2030-01-01"}, "vacation_start"),
    ({"vacation_end": datetime(2030, 1, 1, 12)}, "vacation_end"),
    ({"forward_to": "bob@example.net"}, "forward_to"),
])
def test_a_value_of_the_wrong_kind_is_refused(jane, changes, field):
    assert list(_errors(jane, **changes)) == [field]


def test_an_unknown_field_is_a_programming_error(jane):
    with pytest.raises(TypeError):
        services.update_routing(jane, colour="blue")


def test_it_switches_a_vacation_message_on_with_dates(jane):
    services.update_routing(jane, vacation_enabled=True, vacation_subject=" Away ",
                            vacation_message="Back on Monday.\r\nJane",
                            vacation_start=date(2030, 7, 1), vacation_end=date(2030, 7, 14))
    routing = _stored(jane)
    assert routing.mode == "standard"  # vacation is independent of the routing
    assert (routing.vacation_enabled, routing.vacation_subject, routing.vacation_message) == (
        True, "Away", "Back on Monday.\nJane")
    assert (routing.vacation_start, routing.vacation_end) == (date(2030, 7, 1),
                                                              date(2030, 7, 14))


def test_a_vacation_needs_a_subject_and_a_message_when_it_is_on(jane):
    errors = _errors(jane, vacation_enabled=True, vacation_subject="", vacation_message="  ")
    assert errors == {"vacation_subject": ["Enter the subject of the vacation message."],
                      "vacation_message": ["Enter the vacation message."]}
    services.update_routing(jane, vacation_enabled=False, vacation_subject="",
                            vacation_message="")  # off: nothing required


@pytest.mark.parametrize("subject", ["Away\r\nBcc: victim@example.org", "Away\nX: y",
                                     "Away\u2029"])
def test_a_vacation_subject_with_line_breaks_is_refused(jane, subject):
    errors = _errors(jane, vacation_enabled=True, vacation_subject=subject,
                     vacation_message="Back soon")
    assert errors == {"vacation_subject": ["The subject is one line: no line breaks or "
                                           "control characters."]}


def test_vacation_texts_are_bounded(jane):
    errors = _errors(jane, vacation_subject="s" * 201, vacation_message="m" * 10_001)
    assert set(errors) == {"vacation_subject", "vacation_message"}


def test_a_vacation_cannot_end_before_it_starts(jane):
    errors = _errors(jane, vacation_enabled=True, vacation_subject="Away",
                     vacation_message="Back soon", vacation_start=date(2030, 7, 14),
                     vacation_end=date(2030, 7, 1))
    assert errors == {"vacation_end": ["The vacation cannot end before it starts."]}
    services.update_routing(jane, vacation_start=date(2030, 7, 1),
                            vacation_end=date(2030, 7, 1))  # one day is fine


def test_only_the_fields_given_change(jane):
    services.update_routing(jane, mode="forward", forward_to=["boss@example.net"],
                            vacation_enabled=True, vacation_subject="Away",
                            vacation_message="Back soon")
    services.update_routing(jane, vacation_enabled=False)
    routing = _stored(jane)
    assert (routing.mode, routing.forward_to, routing.vacation_subject) == (
        "forward", ["boss@example.net"], "Away")
    assert routing.vacation_enabled is False


def test_switching_back_to_standard_keeps_the_old_forward_list_unchecked(jane, account_factory):
    bob = account_factory(jane.domain, "bob")
    services.update_routing(jane, mode="forward", forward_to=["bob@example.com"])
    bob.delete()  # the list is outdated now; switching back must still work
    services.update_routing(jane, mode="standard")
    assert _stored(jane).forward_to == ["bob@example.com"]


def test_every_invalid_field_is_reported_at_once_and_nothing_is_written(jane):
    errors = _errors(jane, mode="forward", forward_to=["bad"], save_copy="no",
                     vacation_enabled=True, vacation_subject="a\nb", vacation_message="",
                     vacation_start=date(2030, 1, 2), vacation_end=date(2030, 1, 1))
    assert set(errors) == {"forward_to", "save_copy", "vacation_subject", "vacation_message",
                           "vacation_end"}
    assert not Routing.objects.exists()
