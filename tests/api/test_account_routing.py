"""The ``routing`` field of /api/v1/domains/{domain}/accounts/{name}: read, change, validate."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hostpanel.routing import services
from hostpanel.routing.models import Routing
from tests.conftest import PASSWORD

JANE = "/domains/example.com/accounts/jane"
VACATION = {"enabled": True, "subject": "Away", "message": "Back on Monday.",
            "start": "2030-07-01", "end": "2030-07-14"}


def _errors(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"errors"}
    return body["errors"]


def test_the_routing_round_trips(as_postmaster, jane, account_factory):
    account_factory(jane.domain, "bob")
    routing = {"mode": "forward", "forward_to": ["Bob@example.com", "boss@example.net"],
               "save_copy": True, "vacation": VACATION}
    response = as_postmaster.patch(JANE, {"routing": routing})
    assert response.status_code == 200
    expected = {**routing, "forward_to": ["bob@example.com", "boss@example.net"]}
    assert response.json()["routing"] == expected
    assert as_postmaster.get(JANE).json()["routing"] == expected
    stored = Routing.objects.get(account=jane)
    assert (stored.mode, stored.vacation_enabled, str(stored.vacation_end)) == (
        "forward", True, "2030-07-14")


def test_only_what_is_sent_changes(as_postmaster, jane):
    as_postmaster.patch(JANE, {"routing": {"mode": "forward", "forward_to": ["a@example.net"],
                                           "vacation": VACATION}})
    response = as_postmaster.patch(JANE, {"routing": {"vacation": {"enabled": False,
                                                                   "end": None}}})
    routing = response.json()["routing"]
    assert routing["mode"] == "forward" and routing["forward_to"] == ["a@example.net"]
    assert routing["vacation"] == {**VACATION, "enabled": False, "end": None}


def test_a_user_changes_their_own_routing(as_jane, jane):
    response = as_jane.patch(JANE, {"routing": {"vacation": VACATION}})
    assert response.status_code == 200
    assert response.json()["routing"]["vacation"]["enabled"] is True
    assert as_jane.get(JANE).json()["routing"]["vacation"]["subject"] == "Away"


def test_a_user_still_cannot_change_the_quota_with_the_routing(as_jane, jane):
    response = as_jane.patch(JANE, {"quota_mb": 1, "routing": {"mode": "delete"}})
    assert response.status_code == 403
    assert not Routing.objects.exists()


def test_a_user_cannot_touch_another_accounts_routing(as_jane, jane, postmaster):
    response = as_jane.patch("/domains/example.com/accounts/postmaster",
                             {"routing": {"mode": "forward", "forward_to": ["x@evil.example"]}})
    assert response.status_code == 404
    assert not Routing.objects.exists()


def test_another_domain_cannot_read_or_change_the_routing(as_other_postmaster, jane):
    assert as_other_postmaster.get(JANE).status_code == 404
    assert as_other_postmaster.patch(JANE, {"routing": {"mode": "delete"}}).status_code == 404
    assert not Routing.objects.exists()


@pytest.mark.parametrize(("routing", "field", "message"), [
    ({"mode": "vacation"}, "routing.mode", "Choose one of: 'standard', 'forward' or 'delete'."),
    ({"mode": None}, "routing.mode", "Choose one of"),
    ({"mode": "forward"}, "routing.forward_to", "Enter at least one address."),
    ({"mode": "forward", "forward_to": ["jane@example.com"]}, "routing.forward_to",
     "Mail cannot be forwarded to the account itself"),
    ({"forward_to": ["bad"]}, "routing.forward_to", "is not a valid email address"),
    ({"forward_to": [f"u{n}@example.net" for n in range(1000)]}, "routing.forward_to",
     "At most 100 addresses"),
    ({"forward_to": "a@example.net"}, "routing.forward_to", "Enter a list."),
    ({"save_copy": "yes"}, "routing.save_copy", "Enter true or false."),
    ({"vacation": {"enabled": True, "subject": "Away\r\nBcc: victim@example.org",
                   "message": "x"}}, "routing.vacation.subject", "one line"),
    ({"vacation": {"enabled": True, "subject": "Away", "message": ""}},
     "routing.vacation.message", "Enter the vacation message."),
    ({"vacation": {"start": "2030-07-14", "end": "2030-07-01"}}, "routing.vacation.end",
     "The vacation cannot end before it starts."),
    ({"vacation": {"start": "next week"}}, "routing.vacation.start",
     "Enter a date as YYYY-MM-DD."),
    ({"vacation": {"start": 1893456000}}, "routing.vacation.start",
     "Enter a date as YYYY-MM-DD."),
    ({"vacation": {"enabled": "yes"}}, "routing.vacation.enabled", "Enter true or false."),
    ({"vacation": {"reply_to": "x"}}, "routing.vacation.reply_to", "Unknown field."),
    ({"vacation": "on"}, "routing.vacation", "Send a JSON object."),
    ({"colour": "blue"}, "routing.colour", "Unknown field."),
])
def test_a_refused_routing_gets_400_with_the_field_path(as_postmaster, jane, routing, field,
                                                        message):
    errors = _errors(as_postmaster.patch(JANE, {"routing": routing}))
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert not Routing.objects.exists()


def test_routing_null_is_refused(as_postmaster, jane):
    assert _errors(as_postmaster.patch(JANE, {"routing": None})) == {
        "routing": ["Send a JSON object."]}


def test_every_invalid_field_is_reported_and_nothing_is_written(as_postmaster, jane):
    errors = _errors(as_postmaster.patch(JANE, {
        "quota_mb": -1, "password": "short",
        "routing": {"mode": "forward", "forward_to": ["bad"],
                    "vacation": {"enabled": True, "subject": "", "message": ""}}}))
    assert set(errors) == {"quota_mb", "password", "routing.forward_to",
                           "routing.vacation.subject", "routing.vacation.message"}
    jane.refresh_from_db()
    assert jane.quota_mb == 1024 and jane.check_password(PASSWORD)
    assert not Routing.objects.exists()


def test_a_valid_quota_is_not_saved_when_the_routing_is_refused(as_postmaster, jane):
    _errors(as_postmaster.patch(JANE, {"quota_mb": 5, "routing": {"mode": "forward"}}))
    jane.refresh_from_db()
    assert jane.quota_mb == 1024


def test_mail_to_postmaster_cannot_be_deleted(as_postmaster, postmaster):
    errors = _errors(as_postmaster.patch("/domains/example.com/accounts/postmaster",
                                         {"routing": {"mode": "delete"}}))
    assert "Mail to postmaster cannot be deleted" in errors["routing.mode"][0]


def test_the_list_shows_each_accounts_routing(as_postmaster, jane):
    services.update_routing(jane, mode="delete")
    items = as_postmaster.get("/domains/example.com/accounts").json()["items"]
    assert {item["name"]: item["routing"]["mode"] for item in items} == {
        "jane": "delete", "postmaster": "standard", "spam": "standard"}


def _listed(api) -> tuple[dict, int]:
    """``{name: routing}`` of the accounts list, and the SQL queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/domains/example.com/accounts")
    assert response.status_code == 200
    return {item["name"]: item["routing"] for item in response.json()["items"]}, len(queries)


def test_the_list_reads_every_accounts_routing_in_the_same_queries(as_postmaster, jane,
                                                                   account_factory):
    services.update_routing(jane, mode="forward", forward_to=["boss@example.net"])
    _listed(as_postmaster)  # the first request of a login may write (last login)
    _routings, few = _listed(as_postmaster)
    for number in range(5):
        services.update_routing(account_factory(jane.domain, f"user{number}"),
                                vacation_enabled=True, vacation_subject="Away",
                                vacation_message="Back soon.")
    routings, many = _listed(as_postmaster)
    assert many == few
    assert (routings["jane"]["mode"], routings["jane"]["forward_to"]) == (
        "forward", ["boss@example.net"])
    assert routings["user3"]["vacation"]["enabled"] is True
    assert routings["user3"]["mode"] == "standard"
    assert routings["postmaster"] == {
        "mode": "standard", "forward_to": [], "save_copy": False,
        "vacation": {"enabled": False, "subject": "", "message": "", "start": None,
                     "end": None}}
