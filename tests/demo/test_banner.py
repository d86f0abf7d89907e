"""What a demo visitor sees: the banner with the next reset, the sign-ins on the login page,
and a session that outlives a reset."""

import re

from django.utils import timezone

from hostpanel.demo import (
    POSTMASTER_LOGIN,
    POSTMASTER_PASSWORD,
    USER_LOGIN,
    USER_PASSWORD,
    services,
)
from hostpanel.domains import services as domain_services
from hostpanel.domains.models import Account
from tests.conftest import PASSWORD
from tests.demo.safety import demo_mode_fixture, demo_site_fixture, sign_in  # noqa: F401

BANNER = "This is a live demo: everything is reset every 15 minutes."


def banner_time(text: str) -> str:
    match = re.search(r'<span class="demo-countdown" id="demo-countdown">Next reset at '
                      r"(\d\d:\d\d) UTC\.</span>", text)
    assert match, "no time of the next reset in the banner"
    return match.group(1)


def test_every_page_of_the_demo_has_the_banner_with_the_next_reset(client, demo_site):
    before = timezone.now()
    login_page = client.get("/accounts/login/").content.decode()
    after = timezone.now()

    assert BANNER in login_page
    shown = banner_time(login_page)
    assert shown in {services.next_reset(before).strftime("%H:%M"),
                     services.next_reset(after).strftime("%H:%M")}
    assert 'data-countdown-text="Next reset in __TIME__."' in login_page
    assert ('data-running-text="The demo is being reset now; this page reloads in a few '
            'seconds."') in login_page
    seconds = int(re.search(r'data-seconds-left="(\d+)"', login_page).group(1))
    assert 0 <= seconds <= 15 * 60
    assert '<script src="/static/demo/countdown.js" defer></script>' in login_page

    sign_in(client, USER_LOGIN, USER_PASSWORD)
    for path in ("/me/", "/webmail/", "/help/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert BANNER in response.content.decode(), path
    # The web mail's strict policy runs the panel's own scripts (the countdown) only.
    assert "script-src 'self'" in client.get("/webmail/")["Content-Security-Policy"]


def test_the_countdown_script_is_served(client, demo_site):
    response = client.get("/static/demo/countdown.js")
    assert response.status_code == 200
    script = b"".join(response.streaming_content)
    assert b'getAttribute("data-seconds-left")' in script


def test_the_login_page_of_the_demo_shows_its_sign_ins(client, demo_site):
    text = client.get("/accounts/login/").content.decode()
    assert "<h2 id=\"demo-sign-ins-title\">Sign in to the demo</h2>" in text
    for login, password in ((POSTMASTER_LOGIN, POSTMASTER_PASSWORD),
                            (USER_LOGIN, USER_PASSWORD)):
        assert (f'<code class="demo-login">{login}</code> · password '
                f'<code class="demo-password">{password}</code>') in text
    # And they work as shown: the address in the account field, no domain.
    assert sign_in(client, POSTMASTER_LOGIN, POSTMASTER_PASSWORD).status_code == 302
    assert client.get("/").status_code == 302


def test_outside_the_demo_there_is_no_banner_and_no_sign_ins(client, settings, jane):
    settings.HOSTPANEL_DEMO = False
    text = client.get("/accounts/login/").content.decode()
    assert "live demo" not in text
    assert "demo-sign-ins" not in text and POSTMASTER_PASSWORD not in text
    assert "countdown.js" not in text
    client.force_login(jane)
    assert "live demo" not in client.get("/me/").content.decode()


def test_a_session_outlives_the_reset_that_recreates_its_account(client, demo_site):
    sign_in(client, USER_LOGIN, USER_PASSWORD)
    old_id = Account.objects.get(username=USER_LOGIN).pk

    services.reset()

    assert Account.objects.get(username=USER_LOGIN).pk != old_id  # a new account
    response = client.get("/me/")
    assert response.status_code == 200
    assert '<span class="whoami-name">jane@demo.example</span>' in response.content.decode()
    assert int(client.session["_auth_user_id"]) == Account.objects.get(username=USER_LOGIN).pk
    # A form posted after the reset changes the new account.
    response = client.post("/language/", {"language": "fr", "next": "/me/"})
    assert response.status_code == 302
    assert Account.objects.get(username=USER_LOGIN).language == "fr"


def test_a_session_whose_login_is_gone_goes_to_the_sign_in_page_saying_so(client, demo_site):
    sign_in(client, POSTMASTER_LOGIN, POSTMASTER_PASSWORD)
    visitor = domain_services.create_account(demo_site, "visitor", PASSWORD)
    client.logout()
    sign_in(client, "visitor@demo.example", PASSWORD)
    assert client.get("/me/").status_code == 200
    domain_services.delete_account(visitor)  # as the postmaster (or a reset) may do

    response = client.get("/me/", follow=True)

    assert response.redirect_chain[0] == ("/accounts/login/?next=/me/", 302)
    text = response.content.decode()
    assert "The demo was reset; please sign in again." in text
    assert "_auth_user_id" not in client.session
    assert client.get("/me/").status_code == 302  # still signed out, no second message


def test_signing_out_stays_signed_out(client, demo_site):
    sign_in(client, USER_LOGIN, USER_PASSWORD)
    client.post("/accounts/logout/")
    services.reset()
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/me/"
    assert "The demo was reset" not in client.get("/accounts/login/").content.decode()
