"""Bad input always gets 400 and ``{"errors": {field: [messages]}}``, never a 500."""

import pytest

from hostpanel.domains.models import Account
from tests.conftest import PASSWORD

ACCOUNTS = "/domains/example.com/accounts"


def _errors(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"errors"}
    assert all(isinstance(messages, list) and messages for messages in body["errors"].values())
    return body["errors"]


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"name": "bad name!", "password": PASSWORD}, "name", "An account name has letters"),
    ({"name": "../etc", "password": PASSWORD}, "name", "An account name has letters"),
    ({"name": "jane", "password": PASSWORD}, "name", "already exists"),
    ({"name": "bob", "password": "short"}, "password", "This password is too short."),
    ({"name": "bob", "password": "password"}, "password", "This password is too common."),
    ({"name": "bob", "password": PASSWORD, "quota_mb": -1}, "quota_mb", "between 0"),
    ({"name": "bob", "password": PASSWORD, "quota_mb": "abc"}, "quota_mb", "whole number"),
    ({"name": "bob", "password": PASSWORD, "quota_mb": "10"}, "quota_mb", "whole number"),
    ({"name": "bob", "password": PASSWORD, "quota_mb": 1.5}, "quota_mb", "whole number"),
    ({"name": "bob", "password": PASSWORD, "quota_mb": None}, "quota_mb", "whole number"),
    ({"name": "bob", "password": PASSWORD, "spam_filtering": "yes"}, "spam_filtering",
     "true or false"),
    ({"name": "bob", "password": PASSWORD, "spam_filtering": 1}, "spam_filtering",
     "true or false"),
    ({"password": PASSWORD}, "name", "This field is required."),
    ({"name": "bob"}, "password", "This field is required."),
    ({"name": 7, "password": PASSWORD}, "name", "Enter a text."),
    ({"name": "bob", "password": PASSWORD, "quota": 5}, "quota", "Unknown field."),
    ({"name": "bob", "password": PASSWORD, "address": "x@y.z"}, "address", "Unknown field."),
])
def test_a_refused_account_gets_400_with_field_errors(as_postmaster, jane, body, field, message):
    errors = _errors(as_postmaster.post(ACCOUNTS, body))
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert Account.objects.filter(domain=jane.domain).count() == 3  # nothing half-written


@pytest.mark.parametrize(("raw", "message"), [
    ("{not json", "The request body is not valid JSON."),
    ("[1, 2]", "Send a JSON object."),
    ('"bob"', "Send a JSON object."),
    ("", "Send a JSON object."),
])
def test_a_body_that_is_not_a_json_object_gets_400(as_postmaster, domain, raw, message):
    errors = _errors(as_postmaster.post(ACCOUNTS, raw=raw))
    assert errors == {"__all__": [message]}


@pytest.mark.parametrize(("body", "field"), [
    ({"quota_mb": -3}, "quota_mb"),
    ({"quota_mb": "abc"}, "quota_mb"),
    ({"spam_filtering": "yes"}, "spam_filtering"),
    ({"spam_filtering": None}, "spam_filtering"),
    ({"password": "short"}, "password"),
    ({"password": None}, "password"),
    ({"name": "renamed"}, "name"),
])
def test_a_refused_change_gets_400_and_changes_nothing(as_postmaster, jane, body, field):
    errors = _errors(as_postmaster.patch(ACCOUNTS + "/jane", body))
    assert list(errors) == [field]
    jane.refresh_from_db()
    assert (jane.quota_mb, jane.spam_filtering) == (1024, True)
    assert jane.check_password(PASSWORD)


def test_a_bad_page_number_gets_400(as_postmaster, domain):
    assert list(_errors(as_postmaster.get(ACCOUNTS, page="abc"))) == ["page"]
    assert "at least 1" in _errors(as_postmaster.get(ACCOUNTS, page=0))["page"][0]
