"""Two-factor sign-in (TOTP and recovery codes) and the "Sessions" page."""

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from django.core.cache import cache
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and used TOTP codes live in the cache."""
    cache.clear()
    yield
    cache.clear()


def totp_code(secret, at=None):
    """RFC 6238: HMAC-SHA1 over the 30-second counter, dynamic truncation, 6 digits."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def sign_in(client, account, domain, password=PASSWORD):
    return client.post("/accounts/login/",
                       {"account": account, "domain": domain, "password": password},
                       follow=True)


def activate_totp(client):
    """Activates TOTP as the signed-in account; returns the secret and the recovery codes."""
    page = client.get("/accounts/2fa/totp/activate/", follow=True)
    # Changing two-factor settings first asks for the password again.
    assert page.redirect_chain[-1][0].startswith("/accounts/reauthenticate/")
    page = client.post(page.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    assert page.status_code == 200
    text = page.content.decode()
    secret = page.context["form"].secret
    assert secret in text  # the secret as text, for typing into an app
    assert "<svg" in text or "data:image/svg+xml" in text  # the QR code
    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000"
                        if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert not wrong.context["form"].is_valid()
    done = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)},
                       follow=True)
    assert done.status_code == 200
    codes_page = client.get("/accounts/2fa/recovery-codes/")
    codes = list(codes_page.context["unused_codes"])
    assert codes and all(code in codes_page.content.decode() for code in codes)
    return secret, codes


def test_the_account_page_offers_two_factor_and_sessions_to_a_postmaster(client, postmaster):
    client.force_login(postmaster)
    text = client.get("/me/").content.decode()
    assert 'href="/accounts/2fa/"' in text
    assert 'href="/accounts/sessions/"' in text


def test_a_mail_user_is_not_offered_two_factor_but_sees_sessions(client, jane):
    client.force_login(jane)
    text = client.get("/me/").content.decode()
    assert 'href="/accounts/2fa/"' not in text
    assert 'href="/accounts/sessions/"' in text


def test_a_postmaster_with_totp_is_asked_for_the_code_after_the_password(postmaster):
    client = Client()
    assert sign_in(client, "postmaster", "example.com").context["user"].is_authenticated
    secret, _codes = activate_totp(client)
    client.post("/accounts/logout/")

    asked = sign_in(client, "postmaster", "example.com")
    assert asked.redirect_chain[-1][0].endswith("/accounts/2fa/authenticate/")
    assert not asked.context["user"].is_authenticated
    refused = client.post("/accounts/2fa/authenticate/", {"code": "123456"
                          if totp_code(secret) != "123456" else "654321"}, follow=True)
    assert not refused.context["user"].is_authenticated
    assert refused.context["form"].errors
    inside = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)},
                         follow=True)
    assert inside.context["user"].is_authenticated
    assert inside.context["user"] == postmaster


def test_a_recovery_code_gets_in_once_only(postmaster):
    client = Client()
    sign_in(client, "postmaster", "example.com")
    _secret, codes = activate_totp(client)
    client.post("/accounts/logout/")

    sign_in(client, "postmaster", "example.com")
    inside = client.post("/accounts/2fa/authenticate/", {"code": codes[0]}, follow=True)
    assert inside.context["user"].is_authenticated
    client.post("/accounts/logout/")

    sign_in(client, "postmaster", "example.com")
    again = client.post("/accounts/2fa/authenticate/", {"code": codes[0]}, follow=True)
    assert not again.context["user"].is_authenticated


def test_failed_logins_still_lock_an_account_with_two_factor(postmaster):
    client = Client()
    sign_in(client, "postmaster", "example.com")
    activate_totp(client)
    client.post("/accounts/logout/")
    for _attempt in range(5):
        sign_in(client, "postmaster", "example.com", password="wrong-password")
    response = sign_in(client, "postmaster", "example.com")
    assert "Too many failed login attempts" in response.content.decode()
    assert not any("/2fa/" in url for url, _status in response.redirect_chain)
    assert "_auth_user_id" not in client.session


def test_sessions_are_listed_and_one_can_be_signed_out(postmaster):
    first, second = Client(HTTP_USER_AGENT="First browser"), Client(
        HTTP_USER_AGENT="Second browser")
    sign_in(first, "postmaster", "example.com")
    sign_in(second, "postmaster", "example.com")
    page = first.get("/accounts/sessions/")
    text = page.content.decode()
    assert "First browser" in text and "Second browser" in text
    assert "127.0.0.1" in text

    assert second.get("/me/").status_code == 200
    # "Sign out this session" asks first, then signs the second browser out.
    second_pk = next(s.pk for s in page.context["sessions"]
                     if s.user_agent == "Second browser")
    asked = first.post(f"/accounts/sessions/{second_pk}/end/")
    assert "Sign out the session of this browser?" in asked.content.decode()
    assert second.get("/me/").status_code == 200
    first.post(f"/accounts/sessions/{second_pk}/end/", {"confirmed": "yes"})
    assert second.get("/me/").status_code == 302
    assert first.get("/me/").status_code == 200
    assert "Second browser" not in first.get("/accounts/sessions/").content.decode()


def test_sign_out_all_other_sessions(postmaster):
    first, second, third = (Client(HTTP_USER_AGENT=f"Browser {n}") for n in (1, 2, 3))
    for client in (first, second, third):
        sign_in(client, "postmaster", "example.com")
    first.post("/accounts/sessions/end-others/", {"confirmed": "yes"})
    assert second.get("/me/").status_code == 302
    assert third.get("/me/").status_code == 302
    assert first.get("/me/").status_code == 200


def test_another_accounts_session_cannot_be_ended(postmaster, jane):
    mine, janes = Client(), Client()
    sign_in(mine, "postmaster", "example.com")
    sign_in(janes, "jane", "example.com")
    jane_pk = janes.get("/accounts/sessions/").context["sessions"][0].pk
    response = mine.post(f"/accounts/sessions/{jane_pk}/end/", {"confirmed": "yes"})
    assert response.status_code == 404
    assert janes.get("/me/").status_code == 200


def test_the_sessions_page_needs_a_sign_in(client):
    response = client.get("/accounts/sessions/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_issuer_is_the_brand(postmaster):
    client = Client()
    sign_in(client, "postmaster", "example.com")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert re.search(r"issuer=hostpanel", page.context["totp_url"])


def test_a_resellers_login_is_offered_two_factor_under_its_brand(settings):
    from hostpanel.resellers import services

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "panel.bluebird.test"]
    reseller = services.create_reseller(name="Bluebird Mail", panel_host="panel.bluebird.test",
                                        pop3_host="pop.bluebird.test",
                                        smtp_host="smtp.bluebird.test",
                                        support_address="help@bluebird.test")
    login = services.create_login(reseller, "bluebird", PASSWORD)
    client = Client(HTTP_HOST="panel.bluebird.test")
    client.force_login(login)
    assert 'href="/accounts/2fa/"' in client.get("/me/").content.decode()
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert "issuer=Bluebird%20Mail" in page.context["totp_url"]


def test_the_operator_is_offered_two_factor(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", PASSWORD))
    assert 'href="/accounts/2fa/"' in client.get("/me/").content.decode()
