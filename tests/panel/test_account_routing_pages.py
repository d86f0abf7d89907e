"""Routing (Standard / Forward / Delete) and vacation on the account modify screen and on /me/."""

import re
from datetime import date

from hostpanel.routing import services
from hostpanel.routing.models import Routing
from tests.conftest import PASSWORD

EDIT = "/domains/example.com/accounts/jane/edit/"
STANDARD = {"quota_mb": "1024", "spam_filtering": "on", "mode": "standard", "forward_to": "",
            "vacation_subject": "", "vacation_message": "", "vacation_start": "",
            "vacation_end": ""}


def _text(response) -> str:
    return response.content.decode()


def _routing(account) -> Routing:
    return Routing.objects.get(account=account)


def test_the_modify_screen_shows_the_routing_choices_and_the_vacation(as_postmaster, jane):
    page = _text(as_postmaster.get(EDIT))
    for label in ("Standard (deliver to this mailbox)", "Forward to other addresses",
                  "Delete all mail", "Save a copy in this mailbox", "Send a vacation message",
                  "Be sure to switch it off, and the routing back to Standard"):
        assert label in page
    assert 'name="mode" value="standard" id="id_mode_0" required checked' in page
    assert 'type="date" name="vacation_start"' in page


def test_a_postmaster_forwards_an_account_with_a_copy(as_postmaster, jane, account_factory):
    account_factory(jane.domain, "bob")
    response = as_postmaster.post(EDIT, {**STANDARD, "mode": "forward",
                                         "forward_to": "bob@example.com\r\nboss@example.net",
                                         "save_copy": "on"})
    assert response.status_code == 302
    routing = _routing(jane)
    assert (routing.mode, routing.forward_to, routing.save_copy) == (
        "forward", ["bob@example.com", "boss@example.net"], True)
    page = _text(as_postmaster.get(EDIT))
    assert "bob@example.com\nboss@example.net</textarea>" in page
    assert 'id="id_save_copy" checked' in page


def test_a_postmaster_sets_a_vacation_message_with_dates(as_postmaster, jane):
    response = as_postmaster.post(EDIT, {**STANDARD, "vacation_enabled": "on",
                                         "vacation_subject": "Away until July 14",
                                         "vacation_message": "I am on holiday.",
                                         "vacation_start": "2030-07-01",
                                         "vacation_end": "2030-07-14"})
    assert response.status_code == 302
    routing = _routing(jane)
    assert routing.vacation_enabled and routing.vacation_subject == "Away until July 14"
    assert (routing.vacation_start, routing.vacation_end) == (date(2030, 7, 1),
                                                              date(2030, 7, 14))
    page = _text(as_postmaster.get(EDIT))
    assert 'value="2030-07-01"' in page and 'value="Away until July 14"' in page


def test_every_error_of_the_modify_screen_is_shown_and_nothing_is_saved(as_postmaster, jane):
    response = as_postmaster.post(EDIT, {
        **STANDARD, "password": "short", "password2": "short", "quota_mb": "55",
        "mode": "forward", "forward_to": "jane@example.com\nnot-an-address",
        "vacation_enabled": "on", "vacation_subject": "", "vacation_message": "",
        "vacation_start": "2030-07-14", "vacation_end": "2030-07-01"})
    page = _text(response)
    assert response.status_code == 200
    for message in ("This password is too short.",
                    "Mail cannot be forwarded to the account itself (jane@example.com)",
                    "“not-an-address” is not a valid email address",
                    "Enter the subject of the vacation message.",
                    "Enter the vacation message.",
                    "The vacation cannot end before it starts."):
        assert message in page, message
    assert 'value="55"' in page and "jane@example.com\nnot-an-address</textarea>" in page
    jane.refresh_from_db()
    assert jane.quota_mb == 1024 and jane.check_password(PASSWORD)
    assert not Routing.objects.exists()


def test_a_valid_account_change_is_not_saved_when_the_routing_is_refused(as_postmaster, jane):
    as_postmaster.post(EDIT, {**STANDARD, "quota_mb": "55", "mode": "forward",
                              "forward_to": ""})
    jane.refresh_from_db()
    assert jane.quota_mb == 1024 and not Routing.objects.exists()


def test_a_bad_date_or_mode_is_refused_by_the_form(as_postmaster, jane):
    page = _text(as_postmaster.post(EDIT, {**STANDARD, "mode": "vacation",
                                           "vacation_start": "next week"}))
    assert "Select a valid choice. vacation is not one of the available choices." in page
    assert "Enter a valid date." in page


def test_all_mail_deleted_is_a_choice_but_not_for_postmaster(as_postmaster, jane, postmaster):
    assert as_postmaster.post(EDIT, {**STANDARD, "mode": "delete"}).status_code == 302
    assert _routing(jane).mode == "delete"
    page = _text(as_postmaster.post("/domains/example.com/accounts/postmaster/edit/",
                                    {**STANDARD, "mode": "delete"}))
    assert "Mail to postmaster cannot be deleted" in page


def test_a_user_sets_their_own_vacation_and_forward_on_the_self_service_page(client, jane):
    client.force_login(jane)
    page = _text(client.get("/me/"))
    assert "Routing and vacation" in page and "Be sure to switch it off" in page
    response = client.post("/me/", {**STANDARD, "form": "routing", "mode": "forward",
                                    "forward_to": "me@example.net", "save_copy": "on",
                                    "vacation_enabled": "on", "vacation_subject": "Away",
                                    "vacation_message": "Back soon."})
    assert response.status_code == 302 and response.url == "/me/"
    routing = _routing(jane)
    assert (routing.mode, routing.forward_to, routing.vacation_enabled) == (
        "forward", ["me@example.net"], True)
    page = _text(client.get("/me/"))
    assert "Your routing and vacation settings were saved." in page
    assert 'value="Away"' in page


def test_a_user_switches_back_to_standard(client, jane):
    services.update_routing(jane, mode="forward", forward_to=["me@example.net"],
                            vacation_enabled=True, vacation_subject="Away",
                            vacation_message="Back soon.")
    client.force_login(jane)
    client.post("/me/", {**STANDARD, "form": "routing", "forward_to": "me@example.net"})
    routing = _routing(jane)
    assert routing.mode == "standard" and routing.vacation_enabled is False


def test_a_refused_self_service_change_keeps_what_was_typed(client, jane):
    client.force_login(jane)
    response = client.post("/me/", {**STANDARD, "form": "routing", "vacation_enabled": "on",
                                    "vacation_subject": "Away\r\nBcc: x@example.org",
                                    "vacation_message": "Back soon."})
    page = _text(response)
    assert response.status_code == 200
    assert "The subject is one line: no line breaks or control characters." in page
    assert "Back soon.</textarea>" in page
    assert not Routing.objects.exists()
    assert jane.check_password(PASSWORD)  # the password form was not touched


def test_the_password_form_still_works_next_to_the_routing_form(client, jane):
    client.force_login(jane)
    response = client.post("/me/", {"old_password": PASSWORD, "password": "a-new-secret-42",
                                    "password2": "a-new-secret-42"})
    assert response.status_code == 302
    jane.refresh_from_db()
    assert jane.check_password("a-new-secret-42") and not Routing.objects.exists()


def test_an_operator_has_no_routing_section(client, operator):
    client.force_login(operator)
    page = _text(client.get("/me/"))
    assert "Routing and vacation" not in page
    assert client.post("/me/", {**STANDARD, "form": "routing"}).status_code == 200


def test_the_account_list_shows_each_accounts_routing_and_vacation(as_postmaster, jane,
                                                                   account_factory):
    bob = account_factory(jane.domain, "bob")
    services.update_routing(jane, mode="forward", forward_to=["me@example.net"],
                            save_copy=True, vacation_enabled=True, vacation_subject="Away",
                            vacation_message="Back soon.")
    services.update_routing(bob, mode="delete")
    page = _text(as_postmaster.get("/domains/example.com/accounts/"))
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', page, re.S))
    assert "Forward (and keep a copy) · Vacation" in rows["jane@example.com"]
    assert "Delete all mail" in rows["bob@example.com"]
    assert "Standard" in rows["postmaster@example.com"]
