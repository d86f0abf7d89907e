"""Who reaches what: 401 without credentials, 404 outside one's domain, users only themselves."""

import pytest
from django.test import Client

from hostpanel.domains.models import Account
from tests.api.conftest import Api, basic
from tests.conftest import PASSWORD

ACCOUNTS = "/domains/example.com/accounts"


def _every_request(api):
    return [
        api.get(ACCOUNTS),
        api.post(ACCOUNTS, {"name": "eve", "password": PASSWORD}),
        api.get(ACCOUNTS + "/jane"),
        api.patch(ACCOUNTS + "/jane", {"quota_mb": 1}),
        api.delete(ACCOUNTS + "/jane"),
        api.get(ACCOUNTS + "/postmaster"),
        api.patch(ACCOUNTS + "/postmaster", {"password": "taken-over-123"}),
    ]


def test_without_credentials_every_endpoint_answers_401_with_basic_challenge(anonymous, jane):
    for response in _every_request(anonymous):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Basic realm=")
        assert response.json() == {"detail": "Authentication required."}
    assert Account.objects.filter(pk=jane.pk).exists()


@pytest.mark.parametrize("authorization", [
    basic("postmaster@example.com", "wrong-password"),
    basic("nobody@example.com"),
    "Bearer hp_00000000_not-a-real-token",
    "Bearer something-else",
    "Basic !!!not-base64",
    "Digest username=x",
])
def test_wrong_credentials_get_401(client, jane, authorization):
    response = Api(client, authorization).get(ACCOUNTS)
    assert response.status_code == 401
    assert "WWW-Authenticate" in response


def test_the_eudora_login_form_works_for_basic(client, postmaster):
    response = Api(client, basic("postmaster%example.com")).get(ACCOUNTS)
    assert response.status_code == 200


def test_a_disabled_account_and_its_tokens_are_refused(client, postmaster):
    from hostpanel.api.tokens import create_token

    _row, token = create_token(postmaster)
    postmaster.is_active = False
    postmaster.save()
    assert Api(client, basic(postmaster.username)).get(ACCOUNTS).status_code == 401
    assert Api(client, f"Bearer {token}").get(ACCOUNTS).status_code == 401


def test_a_revoked_token_is_refused(client, postmaster):
    from hostpanel.api.tokens import create_token, revoke_token

    row, token = create_token(postmaster)
    assert Api(client, f"Bearer {token}").get(ACCOUNTS).status_code == 200
    revoke_token(row.prefix)
    assert Api(client, f"Bearer {token}").get(ACCOUNTS).status_code == 401


def test_a_postmaster_of_another_domain_gets_404_everywhere(as_other_postmaster, jane):
    for response in _every_request(as_other_postmaster):
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    jane.refresh_from_db()
    assert jane.quota_mb == 1024
    assert not Account.objects.filter(local_part="eve").exists()


def test_another_domain_looks_like_one_that_does_not_exist(as_other_postmaster, jane):
    hosted = as_other_postmaster.get(ACCOUNTS)
    missing = as_other_postmaster.get("/domains/no-such.example/accounts")
    assert (hosted.status_code, hosted.json()) == (missing.status_code, missing.json())


def test_a_user_reads_and_changes_only_their_own_password(as_jane, jane):
    assert as_jane.get(ACCOUNTS + "/jane").json()["address"] == "jane@example.com"
    response = as_jane.patch(ACCOUNTS + "/jane", {"password": "my-own-new-secret"})
    assert response.status_code == 200
    jane.refresh_from_db()
    assert jane.check_password("my-own-new-secret")


def test_a_user_cannot_change_their_quota_or_spam_filtering_or_delete_themselves(as_jane, jane):
    assert as_jane.patch(ACCOUNTS + "/jane", {"quota_mb": 0}).status_code == 403
    assert as_jane.patch(ACCOUNTS + "/jane", {"spam_filtering": False}).status_code == 403
    assert as_jane.delete(ACCOUNTS + "/jane").status_code == 403
    jane.refresh_from_db()
    assert (jane.quota_mb, jane.spam_filtering) == (1024, True)


def test_a_user_reaches_nothing_else(as_jane, jane, postmaster, account_factory, domain):
    account_factory(domain, "john")
    assert as_jane.get(ACCOUNTS).status_code == 404
    assert as_jane.post(ACCOUNTS, {"name": "eve", "password": PASSWORD}).status_code == 404
    assert as_jane.get(ACCOUNTS + "/john").status_code == 404
    assert as_jane.patch(ACCOUNTS + "/postmaster",
                         {"password": "taken-over-123"}).status_code == 404
    assert as_jane.delete(ACCOUNTS + "/john").status_code == 404
    postmaster.refresh_from_db()
    assert postmaster.check_password(PASSWORD)


def test_repeated_basic_failures_from_one_address_get_429(client, postmaster, settings):
    settings.HOSTPANEL_AUTH_MAX_FAILURES = 3
    wrong = Api(client, basic("postmaster@example.com", "wrong-password"))
    assert [wrong.get(ACCOUNTS).status_code for _ in range(3)] == [401, 401, 401]
    blocked = Api(client, basic("postmaster@example.com")).get(ACCOUNTS)
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) == settings.HOSTPANEL_AUTH_FAILURE_WINDOW

    other_client = Client(REMOTE_ADDR="192.0.2.7")
    assert Api(other_client, basic("postmaster@example.com")).get(ACCOUNTS).status_code == 200


def test_a_blocked_address_is_refused_before_any_password_hash(client, postmaster, settings,
                                                               monkeypatch):
    from django.contrib.auth.backends import ModelBackend

    settings.HOSTPANEL_AUTH_MAX_FAILURES = 1
    Api(client, basic("postmaster@example.com", "wrong-password")).get(ACCOUNTS)

    def no_hashing(*args, **kwargs):
        raise AssertionError("a password was checked for a blocked address")

    monkeypatch.setattr(ModelBackend, "authenticate", no_hashing)
    assert Api(client, basic("postmaster@example.com")).get(ACCOUNTS).status_code == 429


def test_the_api_needs_no_csrf_token_and_ignores_session_cookies(postmaster, jane):
    client = Client(enforce_csrf_checks=True)
    client.force_login(postmaster)  # a panel session cookie does not authenticate the API
    assert Api(client, None).get(ACCOUNTS).status_code == 401
    response = Api(client, basic(postmaster.username)).delete(ACCOUNTS + "/jane")
    assert response.status_code == 204


def test_using_a_token_records_when_it_was_last_used(client, postmaster):
    from hostpanel.api.tokens import create_token

    row, token = create_token(postmaster)
    assert row.last_used_at is None
    Api(client, f"Bearer {token}").get(ACCOUNTS)
    row.refresh_from_db()
    assert row.last_used_at is not None
