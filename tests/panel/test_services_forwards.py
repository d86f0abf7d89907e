"""Forwards, autoresponders, the catch-all and one address space per domain (services)."""

import pytest
from django.core.exceptions import ValidationError

from hostpanel.domains import services as domain_services
from hostpanel.domains.models import Account
from hostpanel.routing import services
from hostpanel.routing.models import Autoresponder, Forward
from tests.conftest import PASSWORD


def _errors(call, *args, **kwargs) -> dict:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.message_dict


# Forwards -------------------------------------------------------------------------------


def test_it_creates_a_forward_to_local_and_remote_addresses(domain, jane):
    forward = services.create_forward(domain, " Info ", ["JANE@example.com", "boss@Example.NET"])
    assert str(forward) == "info@example.com"
    assert Forward.objects.get(pk=forward.pk).targets == ["jane@example.com", "boss@example.net"]


def test_a_forward_may_point_at_another_forward(domain, jane):
    services.create_forward(domain, "team", ["jane@example.com"])
    assert services.create_forward(domain, "all", ["team@example.com"]).targets == [
        "team@example.com"]


@pytest.mark.parametrize("name", ["", "bad name", "-x", "x-", "a" * 65, "jane@example.com",
                                  "ü", None, 7])
def test_a_forward_needs_a_valid_name(domain, name):
    errors = _errors(services.create_forward, domain, name, ["boss@example.net"])
    assert list(errors) == ["name"]
    assert "An address has letters, digits, dots, hyphens and underscores" in errors["name"][0]


def test_a_forward_cannot_take_the_address_of_an_account(domain, jane):
    errors = _errors(services.create_forward, domain, "jane", ["boss@example.net"])
    assert errors == {"name": ["The account jane@example.com already exists."]}


def test_postmaster_is_always_the_account(domain):
    errors = _errors(services.create_forward, domain, "postmaster", ["boss@example.net"])
    assert errors == {"name": ["The account postmaster@example.com already exists."]}
    errors = _errors(services.create_autoresponder, domain, "postmaster", "Hi", "Hello")
    assert errors == {"name": ["The account postmaster@example.com already exists."]}


def test_an_address_is_a_forward_or_an_autoresponder_never_both(domain):
    services.create_forward(domain, "sales", ["boss@example.net"])
    services.create_autoresponder(domain, "info", "Thanks", "We will answer soon.")
    assert _errors(services.create_forward, domain, "sales", ["x@example.net"]) == {
        "name": ["sales@example.com is already a forward."]}
    assert _errors(services.create_forward, domain, "info", ["x@example.net"]) == {
        "name": ["info@example.com is already an autoresponder."]}
    assert _errors(services.create_autoresponder, domain, "sales", "S", "M") == {
        "name": ["sales@example.com is already a forward."]}


def test_an_account_cannot_take_the_address_of_a_forward_or_autoresponder(domain):
    services.create_forward(domain, "sales", ["boss@example.net"])
    services.create_autoresponder(domain, "info", "Thanks", "We will answer soon.")
    for name, message in [("sales", "sales@example.com is already a forward."),
                          ("info", "info@example.com is already an autoresponder.")]:
        errors = _errors(domain_services.create_account, domain, name, PASSWORD)
        assert errors == {"name": [message]}
    assert not Account.objects.filter(local_part__in=["sales", "info"]).exists()


def test_the_same_name_in_another_domain_is_free(domain, domain_factory):
    other = domain_factory("other.org")
    services.create_forward(domain, "sales", ["boss@example.net"])
    assert services.create_forward(other, "sales", ["boss@example.net"])


def test_a_forward_cannot_forward_to_itself(domain):
    errors = _errors(services.create_forward, domain, "loop", ["loop@example.com"])
    assert errors == {"targets": ["loop@example.com cannot forward to itself."]}
    assert not Forward.objects.exists()


def test_a_forward_needs_between_one_and_a_hundred_targets(domain):
    assert _errors(services.create_forward, domain, "x", []) == {
        "targets": ["Enter at least one address."]}
    many = [f"user{number}@example.net" for number in range(1000)]
    assert _errors(services.create_forward, domain, "x", many) == {
        "targets": ["At most 100 addresses are allowed (1000 given)."]}
    assert not Forward.objects.exists()


def test_every_invalid_field_of_a_new_forward_is_reported_at_once(domain, jane):
    errors = _errors(services.create_forward, domain, "jane", ["not-an-address", "a@b"])
    assert set(errors) == {"name", "targets"}
    assert len(errors["targets"]) == 2
    assert not Forward.objects.exists()


def test_modify_replaces_the_targets(domain, jane):
    forward = services.create_forward(domain, "info", ["boss@example.net"])
    services.update_forward(forward, ["boss@example.net", "jane@example.com", "x@example.org"])
    assert Forward.objects.get(pk=forward.pk).targets == [
        "boss@example.net", "jane@example.com", "x@example.org"]


def test_a_refused_modify_changes_nothing(domain):
    forward = services.create_forward(domain, "info", ["boss@example.net"])
    for targets, message in [
        ([], "Enter at least one address."),
        (["info@example.com"], "info@example.com cannot forward to itself."),
        (["a@example.net", "A@example.net"], "A@example.net is listed twice."),
    ]:
        assert _errors(services.update_forward, forward, targets) == {"targets": [message]}
        assert Forward.objects.get(pk=forward.pk).targets == ["boss@example.net"]


def test_it_deletes_a_forward_and_frees_the_address(domain):
    forward = services.create_forward(domain, "info", ["boss@example.net"])
    services.delete_forward(forward)
    assert not Forward.objects.exists()
    assert domain_services.create_account(domain, "info", PASSWORD)


# Autoresponders ---------------------------------------------------------------------------


def test_it_creates_an_autoresponder_with_a_copy(domain, jane):
    responder = services.create_autoresponder(domain, "Sales", " Thank you ",
                                              "We answer within a day.\r\nThe team",
                                              copy_to="Jane@Example.com")
    responder.refresh_from_db()
    assert (str(responder), responder.copy_to, responder.subject) == (
        "sales@example.com", "jane@example.com", "Thank you")
    assert responder.message == "We answer within a day.\nThe team"


def test_the_copy_is_optional(domain):
    assert services.create_autoresponder(domain, "info", "Hi", "Hello").copy_to == ""


@pytest.mark.parametrize("subject", [
    "Hello\r\nBcc: victim@example.org",
    "Hello\nX-Injected: yes",
    "Hello\rthere",
    "Hello\u2028there",   # Unicode line separator
    "Hello\x85there",     # NEL
    "Hello\x00",
    "Tab\there",
])
def test_a_subject_with_line_breaks_is_refused_header_injection(domain, subject):
    errors = _errors(services.create_autoresponder, domain, "info", subject, "Hello")
    assert errors == {"subject": ["The subject is one line: no line breaks or control "
                                  "characters."]}
    assert not Autoresponder.objects.exists()


def test_subject_and_message_are_required_and_bounded(domain):
    errors = _errors(services.create_autoresponder, domain, "info", "  ", " \n ")
    assert errors == {"subject": ["Enter a subject."], "message": ["Enter a message."]}
    errors = _errors(services.create_autoresponder, domain, "info", "s" * 201, "m" * 10_001)
    assert errors == {
        "subject": ["The subject has at most 200 characters (it has 201)."],
        "message": ["The message has at most 10000 characters (it has 10001)."],
    }
    assert services.create_autoresponder(domain, "info", "s" * 200, "m" * 10_000)


def test_a_message_cannot_carry_control_characters(domain):
    errors = _errors(services.create_autoresponder, domain, "info", "Hi", "Hello\x00\x1b[31m")
    assert errors == {"message": ["The message cannot contain control characters."]}


@pytest.mark.parametrize(("copy_to", "message"), [
    ("not an address", "is not a valid email address"),
    ("info@example.com", "The copy cannot go to the autoresponder itself (info@example.com)."),
    ("ghost@example.com", "ghost@example.com does not exist here"),
    ("boss@example.net\r\nBcc: x@example.org", "cannot contain line breaks"),
])
def test_a_bad_copy_address_is_refused(domain, copy_to, message):
    errors = _errors(services.create_autoresponder, domain, "info", "Hi", "Hello",
                     copy_to=copy_to)
    assert list(errors) == ["copy_to"] and message in errors["copy_to"][0]


def test_every_invalid_field_of_an_autoresponder_is_reported_at_once(domain, jane):
    errors = _errors(services.create_autoresponder, domain, "jane", "a\nb", "",
                     copy_to="nope")
    assert set(errors) == {"name", "subject", "message", "copy_to"}


def test_it_changes_an_autoresponder_and_keeps_what_was_not_given(domain, jane):
    responder = services.create_autoresponder(domain, "info", "Hi", "Hello",
                                              copy_to="jane@example.com")
    services.update_autoresponder(responder, subject="Closed today")
    responder.refresh_from_db()
    assert (responder.subject, responder.message, responder.copy_to) == (
        "Closed today", "Hello", "jane@example.com")
    services.update_autoresponder(responder, copy_to="", message="Back tomorrow")
    responder.refresh_from_db()
    assert (responder.copy_to, responder.message) == ("", "Back tomorrow")


def test_a_refused_change_of_an_autoresponder_changes_nothing(domain):
    responder = services.create_autoresponder(domain, "info", "Hi", "Hello")
    errors = _errors(services.update_autoresponder, responder, subject="x\r\nBcc: y",
                     message="fine", copy_to="info@example.com")
    assert set(errors) == {"subject", "copy_to"}
    responder.refresh_from_db()
    assert (responder.subject, responder.message, responder.copy_to) == ("Hi", "Hello", "")


def test_it_deletes_an_autoresponder(domain):
    services.delete_autoresponder(services.create_autoresponder(domain, "info", "Hi", "Hello"))
    assert not Autoresponder.objects.exists()


# Catch-all --------------------------------------------------------------------------------


def test_the_catch_all_is_off_by_default_and_can_be_set_and_cleared(domain, jane):
    assert domain.catch_all == ""
    services.set_catch_all(domain, "Jane@Example.com")
    domain.refresh_from_db()
    assert domain.catch_all == "jane@example.com"
    services.clear_catch_all(domain)
    domain.refresh_from_db()
    assert domain.catch_all == ""


@pytest.mark.parametrize(("target", "message"), [
    ("not an address", "is not a valid email address"),
    ("ghost@example.com", "ghost@example.com does not exist here"),
    ("x@example.net\nBcc: y@example.org", "cannot contain line breaks"),
])
def test_a_bad_catch_all_is_refused(domain, target, message):
    errors = _errors(services.set_catch_all, domain, target)
    assert list(errors) == ["catch_all"] and message in errors["catch_all"][0]
    domain.refresh_from_db()
    assert domain.catch_all == ""


def test_the_catch_all_may_go_to_a_remote_address(domain):
    assert services.set_catch_all(domain, "archive@example.net").catch_all == (
        "archive@example.net")
