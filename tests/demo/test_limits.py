"""What the live demo refuses its visitors, through the panel, the API and allauth's pages."""

import json

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.cache import cache

from hostpanel.demo import (
    CATCH_ALL_LOGIN,
    DEMO_DOMAIN,
    POSTMASTER_LOGIN,
    POSTMASTER_PASSWORD,
    USER_LOGIN,
    USER_PASSWORD,
)
from hostpanel.domains.models import Account
from hostpanel.routing.models import Forward
from tests.conftest import PASSWORD
from tests.demo.safety import basic, demo_mode_fixture, demo_site_fixture, sign_in  # noqa: F401
from tests.support import free_ports

ACCOUNTS_NEW = f"/domains/{DEMO_DOMAIN}/accounts/new/"
API_ACCOUNTS = f"/api/v1/domains/{DEMO_DOMAIN}/accounts"
RATE_TEXT = "You can create at most 2 things a minute in the demo; try again in a minute."


def new_account(name: str) -> dict:
    return {"name": name, "password": PASSWORD, "password2": PASSWORD, "quota_mb": 10,
            "spam_filtering": "on"}


def demo_accounts() -> set[str]:
    return set(Account.objects.filter(domain__name=DEMO_DOMAIN)
               .values_list("local_part", flat=True))


def stored_hash(login: str) -> str:
    return Account.objects.get(username=login).password


def test_a_visitor_creating_too_fast_gets_a_429_page_and_nothing_is_written(client, demo_site,
                                                                          settings):
    settings.HOSTPANEL_DEMO_CREATES_PER_MINUTE = 2
    sign_in(client, POSTMASTER_LOGIN, POSTMASTER_PASSWORD)
    before = demo_accounts()
    assert client.post(ACCOUNTS_NEW, new_account("ann")).status_code == 302
    assert client.post(ACCOUNTS_NEW, new_account("bob")).status_code == 302

    response = client.post(ACCOUNTS_NEW, new_account("cid"))

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    text = response.content.decode()
    assert "<h1>Please wait a minute</h1>" in text
    assert RATE_TEXT in text
    assert demo_accounts() == before | {"ann", "bob"}
    # Looking around and changing things that exist is not creating: still allowed.
    assert client.get(f"/domains/{DEMO_DOMAIN}/accounts/").status_code == 200
    edit = client.post(f"/domains/{DEMO_DOMAIN}/accounts/ann/edit/",
                       {"password": "", "password2": "", "quota_mb": 20})
    assert edit.status_code == 302
    assert Account.objects.get(username=f"ann@{DEMO_DOMAIN}").quota_mb == 20


def test_the_api_answers_429_in_json_and_writes_nothing(client, demo_site, settings):
    settings.HOSTPANEL_DEMO_CREATES_PER_MINUTE = 2
    before = demo_accounts()
    for name in ("ann", "bob"):
        response = client.post(API_ACCOUNTS, json.dumps({"name": name, "password": PASSWORD}),
                               content_type="application/json", **basic())
        assert response.status_code == 201
    response = client.post(API_ACCOUNTS, json.dumps({"name": "cid", "password": PASSWORD}),
                           content_type="application/json", **basic())
    assert response.status_code == 429
    assert response.json() == {"detail": RATE_TEXT}
    forward = client.post(f"/api/v1/domains/{DEMO_DOMAIN}/forwards",
                          json.dumps({"name": "visitor-desk", "targets": ["jane@demo.example"]}),
                          content_type="application/json", **basic())
    assert forward.status_code == 429
    assert demo_accounts() == before | {"ann", "bob"}
    assert not Forward.objects.filter(local_part="visitor-desk").exists()


def test_another_visitor_address_has_its_own_count(client, demo_site, settings):
    settings.HOSTPANEL_DEMO_CREATES_PER_MINUTE = 1
    sign_in(client, POSTMASTER_LOGIN, POSTMASTER_PASSWORD)
    assert client.post(ACCOUNTS_NEW, new_account("ann")).status_code == 302
    assert client.post(ACCOUNTS_NEW, new_account("bob")).status_code == 429
    response = client.post(ACCOUNTS_NEW, new_account("bob"), REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 302
    assert {"ann", "bob"} <= demo_accounts()


def test_the_demo_domain_holds_at_most_so_many_things_of_a_kind(client, demo_site, settings):
    settings.HOSTPANEL_DEMO_MAX_OBJECTS = len(demo_accounts())
    sign_in(client, POSTMASTER_LOGIN, POSTMASTER_PASSWORD)
    before = demo_accounts()

    response = client.post(ACCOUNTS_NEW, new_account("ann"))

    assert response.status_code == 200  # the form again, with the reason
    assert (f"The demo holds at most {len(before)} accounts; delete one first."
            in response.content.decode())
    assert demo_accounts() == before
    api = client.post(API_ACCOUNTS, json.dumps({"name": "bob", "password": PASSWORD}),
                      content_type="application/json", **basic())
    assert api.status_code == 400
    assert api.json() == {"errors": {"__all__": [
        f"The demo holds at most {len(before)} accounts; delete one first."]}}
    assert demo_accounts() == before


def test_the_postmaster_cannot_change_a_demo_sign_ins_password_in_the_panel(client, demo_site):
    sign_in(client, POSTMASTER_LOGIN, POSTMASTER_PASSWORD)
    jane_hash = stored_hash(USER_LOGIN)

    response = client.post(f"/domains/{DEMO_DOMAIN}/accounts/jane/edit/",
                           {"password": "Another-secret-42", "password2": "Another-secret-42",
                            "quota_mb": 77})

    assert response.status_code == 200
    assert ("The password of jane@demo.example cannot be changed in the demo: every visitor "
            "signs in with it." in response.content.decode())
    jane = Account.objects.get(username=USER_LOGIN)
    assert (jane.password, jane.quota_mb) == (jane_hash, demo_site.accounts.get(
        local_part="jane").quota_mb)
    assert jane.quota_mb != 77  # the whole form was refused: nothing written
    assert jane.check_password(USER_PASSWORD)


def test_a_demo_sign_in_cannot_change_its_own_password(client, demo_site):
    for login, password in ((USER_LOGIN, USER_PASSWORD),
                            (POSTMASTER_LOGIN, POSTMASTER_PASSWORD)):
        client.logout()
        sign_in(client, login, password)
        response = client.post("/me/", {"old_password": password,
                                        "password": "Another-secret-42",
                                        "password2": "Another-secret-42"})
        assert response.status_code == 200
        assert (f"The password of {login} cannot be changed in the demo"
                in response.content.decode())
        assert Account.objects.get(username=login).check_password(password)


def test_the_api_cannot_change_a_demo_sign_ins_password(client, demo_site):
    jane_hash = stored_hash(USER_LOGIN)
    for who in (basic(), basic(USER_LOGIN, USER_PASSWORD)):
        response = client.patch(f"{API_ACCOUNTS}/jane",
                                json.dumps({"password": "Another-secret-42"}),
                                content_type="application/json", **who)
        assert response.status_code == 400
        assert response.json() == {"errors": {"password": [
            "The password of jane@demo.example cannot be changed in the demo: every visitor "
            "signs in with it."]}}
    assert stored_hash(USER_LOGIN) == jane_hash


def test_other_accounts_passwords_can_be_changed_in_the_demo(client, demo_site):
    sign_in(client, POSTMASTER_LOGIN, POSTMASTER_PASSWORD)
    pierre = demo_site.accounts.exclude(username__in=[USER_LOGIN, POSTMASTER_LOGIN]).filter(
        local_part="pierre").get()
    response = client.post(f"/domains/{DEMO_DOMAIN}/accounts/pierre/edit/",
                           {"password": "Another-secret-42", "password2": "Another-secret-42",
                            "quota_mb": pierre.quota_mb})
    assert response.status_code == 302
    assert Account.objects.get(pk=pierre.pk).check_password("Another-secret-42")


def test_allauths_own_password_pages_are_not_there(client, demo_site):
    sign_in(client, USER_LOGIN, USER_PASSWORD)
    for path in ("/accounts/password/change/", "/accounts/password/set/",
                 "/accounts/password/reset/"):
        assert client.get(path).status_code == 404


def test_two_factor_sign_in_cannot_be_set_up_in_the_demo(client, demo_site):
    sign_in(client, USER_LOGIN, USER_PASSWORD)
    for path in ("/accounts/2fa/", "/accounts/2fa/totp/activate/",
                 "/accounts/2fa/recovery-codes/generate/"):
        response = client.get(path)
        assert response.status_code == 403
        text = response.content.decode()
        assert "<h1>Not available in the demo</h1>" in text
        assert ("Two-factor sign-in cannot be set up in the demo: its sign-ins are shared by "
                "every visitor.") in text
    posted = client.post("/accounts/2fa/totp/activate/", {"code": "123456"})
    assert posted.status_code == 403
    assert not Authenticator.objects.exists()


def test_operator_pages_are_not_found_in_the_demo(client, demo_site):
    get_user_model().objects.create_superuser("admin", PASSWORD)
    sign_in(client, "admin", PASSWORD)
    for path in ("/status/", "/admin/", "/admin/domains/account/", "/reseller/domains/new/"):
        response = client.get(path)
        assert response.status_code == 404
        assert "<h1>Not found</h1>" in response.content.decode()


def test_outside_the_demo_the_operator_reaches_them_and_nothing_is_limited(client, db, settings,
                                                                         domain):
    # The status page probes the servers: none of them listens here (as in tests/operator).
    smtp, submission, pop3 = free_ports(3)
    settings.HOSTPANEL_SMTP_PORT, settings.HOSTPANEL_SUBMISSION_PORT = smtp, submission
    settings.HOSTPANEL_POP3_PORT, settings.HOSTPANEL_CLAMD = pop3, ""
    settings.HOSTPANEL_DEMO_CREATES_PER_MINUTE = 1
    cache.clear()
    get_user_model().objects.create_superuser("admin", PASSWORD)
    sign_in(client, "admin", PASSWORD)
    assert client.get("/status/").status_code == 200
    assert client.get("/admin/").status_code == 200
    for name in ("ann", "bob", "cid"):
        assert client.post("/domains/example.com/accounts/new/",
                           new_account(name)).status_code == 302
    response = client.get("/accounts/2fa/")
    assert response.status_code == 200


def test_the_demo_sign_ins_and_the_outbox_cannot_be_deleted(client, demo_site):
    sign_in(client, POSTMASTER_LOGIN, POSTMASTER_PASSWORD)
    for name, login in (("jane", USER_LOGIN), ("outbox", CATCH_ALL_LOGIN)):
        response = client.post(f"/domains/{DEMO_DOMAIN}/accounts/{name}/delete/", follow=True)
        assert (f"{login} cannot be deleted in the demo: the next visitor needs it."
                in response.content.decode())
        assert Account.objects.filter(username=login).exists()
    api = client.delete(f"{API_ACCOUNTS}/jane", **basic())
    assert api.status_code == 400
    assert Account.objects.filter(username=USER_LOGIN).exists()


def test_nobody_gets_the_outbox_password_or_its_address(client, demo_site):
    sign_in(client, POSTMASTER_LOGIN, POSTMASTER_PASSWORD)
    outbox_hash = stored_hash(CATCH_ALL_LOGIN)
    response = client.post(f"/domains/{DEMO_DOMAIN}/accounts/outbox/edit/",
                           {"password": "Another-secret-42", "password2": "Another-secret-42",
                            "quota_mb": 10})
    assert ("The password of the demo&#x27;s outbox cannot be set: it holds what every "
            "visitor sends to other domains." in response.content.decode())
    assert stored_hash(CATCH_ALL_LOGIN) == outbox_hash
    Account.objects.filter(username=CATCH_ALL_LOGIN).delete()  # as before the first reset
    response = client.post(ACCOUNTS_NEW, new_account("outbox"))
    assert ("The address outbox@demo.example is kept for the demo&#x27;s outbox."
            in response.content.decode())
    assert not Account.objects.filter(username=CATCH_ALL_LOGIN).exists()


def test_a_mailbox_quota_stays_small_in_the_demo(client, demo_site):
    """Mail sent to the demo cannot fill the disk: no quota over 25 MB, and no 'no limit'."""
    sign_in(client, POSTMASTER_LOGIN, POSTMASTER_PASSWORD)
    before = demo_accounts()
    for quota in (0, 26, 100000):
        response = client.post(ACCOUNTS_NEW, {**new_account("ann"), "quota_mb": quota})
        assert response.status_code == 200
        assert "In the demo a mailbox holds at most 25 MB." in response.content.decode()
    assert demo_accounts() == before

    pierre = demo_site.accounts.get(local_part="pierre")
    response = client.post(f"/domains/{DEMO_DOMAIN}/accounts/pierre/edit/",
                           {"password": "", "password2": "", "quota_mb": 0})
    assert "In the demo a mailbox holds at most 25 MB." in response.content.decode()
    assert Account.objects.get(pk=pierre.pk).quota_mb == pierre.quota_mb

    api = client.patch(f"{API_ACCOUNTS}/pierre", json.dumps({"quota_mb": 500}),
                       content_type="application/json", **basic())
    assert api.status_code == 400
    assert api.json() == {"errors": {"quota_mb": ["In the demo a mailbox holds at most 25 MB."]}}

    assert client.post(ACCOUNTS_NEW, {**new_account("ann"), "quota_mb": 25}).status_code == 302
    assert "ann" in demo_accounts()
