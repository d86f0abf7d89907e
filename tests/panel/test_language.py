"""The language menu on every page: the browser's language until one is chosen, then that one.

A signed-in account's choice is stored, follows it to any browser, and is the
language of the mail the system writes to it.
"""

from django.test import Client

from mailcore import directory
from tests.panel.conftest import login


def test_every_page_has_the_language_menu_with_twenty_languages(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'name="language"' in page
    assert page.count("<option value=") >= 20
    assert '<option value="ja" lang="ja">日本語</option>' in page


def test_the_browsers_language_until_one_is_chosen(client):
    german = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de")
    assert german["Content-Language"] == "de"
    assert "Anmelden" in german.content.decode()

    chosen = client.post("/language/", {"language": "fr", "next": "/accounts/login/"})
    assert chosen.status_code == 302 and chosen["Location"] == "/accounts/login/"
    french = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de")
    assert french["Content-Language"] == "fr"


def test_an_accounts_choice_follows_it_to_another_browser_and_into_its_mail(jane):
    first = Client()
    login(first, "jane", "example.com")
    first.post("/language/", {"language": "ja", "next": "/me/"})
    jane.refresh_from_db()
    assert jane.language == "ja"
    assert directory.mail_language("jane@example.com") == "ja"

    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = login(elsewhere, "jane", "example.com")
    assert page["Content-Language"] == "ja"


def test_mail_to_others_is_in_the_sites_language(jane):
    assert directory.mail_language("jane@example.com") == "en"  # no choice made
    assert directory.mail_language("nobody@remote.test") == "en"
    assert directory.mail_language("not an address") == "en"


def test_an_unknown_language_or_a_foreign_next_changes_nothing(client, jane):
    client.force_login(jane)
    response = client.post("/language/", {"language": "xx", "next": "https://evil.test/"})
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.test")
    jane.refresh_from_db()
    assert jane.language == ""
    assert client.get("/language/").status_code == 405
