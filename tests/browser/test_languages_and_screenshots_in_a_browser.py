"""Accept-Language in a real browser (a Chromium started with --lang/--accept-lang and the
intl.accept_languages preference), and screenshots of the main pages in three languages,
written to test-artifacts/screenshots/<language>/<page>.png."""

import pytest
from django.urls import reverse
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import SCREENSHOTS
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A word each page shows in every language: the login button, then the sign-out button.
SIGN_IN = {"en": "Sign in", "fr": "Se connecter", "ja": "ログイン"}
SIGN_OUT = {"en": "Sign out", "fr": "Se déconnecter", "ja": "ログアウト"}
# The page's own menu entry (marked aria-current), in each language.
MENU = {
    "dashboard": {"en": "Overview", "fr": "Vue d'ensemble", "ja": "概要"},
    "accounts": {"en": "Email accounts", "fr": "Comptes de messagerie", "ja": "メールアカウント"},
    "forwards": {"en": "Forwards", "fr": "Redirections", "ja": "転送アドレス"},
    "lists": {"en": "Mailing lists", "fr": "Listes de diffusion", "ja": "メーリングリスト"},
    "spam": {"en": "Spam preferences", "fr": "Préférences antispam", "ja": "迷惑メール設定"},
    "webmail": {"en": "Web mail", "fr": "Messagerie web", "ja": "Web メール"},
    "mail-settings": {"en": "Mail settings", "fr": "Paramètres de messagerie",
                      "ja": "メール設定"},
    "help": {"en": "Help", "fr": "Aide", "ja": "ヘルプ"},
}
PAGES = {
    "dashboard": ("dashboard:domain", ["example.com"]),
    "accounts": ("domains:accounts", ["example.com"]),
    "forwards": ("routing:forwards", ["example.com"]),
    "lists": ("lists:lists", ["example.com"]),
    "spam": ("spam:domain", ["example.com"]),
    "webmail": ("webmail:index", []),
    "mail-settings": ("mailsettings:page", []),
    "help": ("help:index", []),
}


def _wait_for(browser, condition, seconds=15):
    return WebDriverWait(browser, seconds, ignored_exceptions=(WebDriverException,)).until(
        condition)


def _lang(browser) -> str:
    return browser.execute_script("return document.documentElement.lang")


def _save(browser, language: str, name: str):
    folder = SCREENSHOTS / language
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    path.unlink(missing_ok=True)
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 0
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    return path


@pytest.mark.parametrize(("language", "button"), [("fr", "Se connecter"), ("ja", "ログイン")])
def test_the_browsers_accept_language_chooses_the_panels_language(
        browser_in, live_server, language, button):
    browser = browser_in(language)
    assert browser.execute_script("return navigator.language").startswith(language)
    browser.get(live_server.url + "/accounts/login/")
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    assert _lang(browser) == language
    submit = browser.find_element(By.CSS_SELECTOR, "main button[type=submit]")
    assert submit.text == button


@pytest.mark.parametrize("language", ["en", "fr", "ja"])
def test_screenshots_of_the_main_pages_in_three_languages(
        browser_in, live_server, postmaster, language):
    browser = browser_in(language)
    browser.get(live_server.url + "/accounts/login/")
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    assert _lang(browser) == language
    assert SIGN_IN[language] in browser.find_element(By.TAG_NAME, "main").text
    _save(browser, language, "login")

    browser.find_element(By.ID, "id_account").send_keys("postmaster")
    browser.find_element(By.ID, "id_domain").send_keys("example.com")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    _wait_for(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".site-nav")))

    for name, (view, args) in PAGES.items():
        browser.get(live_server.url + reverse(view, args=args))
        _wait_for(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".site-nav")))
        assert _lang(browser) == language, name
        assert SIGN_OUT[language] in browser.page_source, name
        current = browser.find_element(By.CSS_SELECTOR, ".site-nav [aria-current=page]")
        assert current.text.startswith(MENU[name][language]), name
        _save(browser, language, name)
