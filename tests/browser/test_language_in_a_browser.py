"""The language menu in a real browser: switch on the login page, log in, the choice stays."""

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from hostpanel.domains.models import Account
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _wait_for(browser, condition, seconds=15):
    # A page being replaced can answer "node does not belong to the document": try again.
    return WebDriverWait(browser, seconds, ignored_exceptions=(WebDriverException,)).until(
        condition)


def _lang(browser) -> str:
    return browser.execute_script("return document.documentElement.lang")


def _choose(browser, language_name):
    Select(browser.find_element(By.ID, "language-menu")).select_by_visible_text(language_name)
    browser.find_element(By.CSS_SELECTOR, "form.language button").click()


def test_a_user_switches_to_german_logs_in_and_then_to_japanese(page, jane, screenshot):
    browser = page.open_path("/accounts/login/")
    _wait_for(browser, ec.presence_of_element_located((By.ID, "language-menu")))
    assert _lang(browser) == "en"

    _choose(browser, "Deutsch")
    _wait_for(browser, lambda b: _lang(b) == "de")
    button = browser.find_element(By.CSS_SELECTOR, "form.login button[type=submit], "
                                                   "main button[type=submit]")
    assert button.text == "Anmelden"

    browser.find_element(By.ID, "id_account").send_keys("jane")
    browser.find_element(By.ID, "id_domain").send_keys("example.com")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    _wait_for(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".site-nav")))
    assert "Abmelden" in browser.page_source  # the sign-out button, in German

    _choose(browser, "日本語")
    _wait_for(browser, lambda b: _lang(b) == "ja")
    assert Account.objects.get(pk=jane.pk).language == "ja"  # remembered for the account
    screenshot("language-ja")
