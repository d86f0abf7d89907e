"""A mail user reads the settings for their mail program in a real Chromium."""

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import PHONE
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _wait_for(browser, condition, seconds=15):
    return WebDriverWait(browser, seconds, ignored_exceptions=(WebDriverException,)).until(
        condition)  # a page being replaced can answer "node does not belong to the document"


def _facts(browser, list_id: str) -> dict[str, str]:
    facts = browser.find_element(By.ID, list_id)
    terms = [term.text for term in facts.find_elements(By.TAG_NAME, "dt")]
    descriptions = [" ".join(dd.text.split()) for dd in facts.find_elements(By.TAG_NAME, "dd")]
    return dict(zip(terms, descriptions, strict=True))


def test_jane_finds_her_mail_settings_in_the_navigation(page, jane, settings, screenshot):
    settings.HOSTPANEL_MAIL_HOST = "mail.example.net"
    settings.HOSTPANEL_TLS_CERT = "/etc/hostpanel/cert.pem"
    settings.HOSTPANEL_POP3_PORT, settings.HOSTPANEL_POP3S_PORT = 110, 995
    settings.HOSTPANEL_SUBMISSION_PORT, settings.HOSTPANEL_SUBMISSIONS_PORT = 587, 0
    browser = page.open_path("/")
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    browser.find_element(By.ID, "id_account").send_keys("jane")
    browser.find_element(By.ID, "id_domain").send_keys("example.com")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    _wait_for(browser, ec.presence_of_element_located((By.LINK_TEXT, "Mail settings")))
    browser.find_element(By.LINK_TEXT, "Mail settings").click()
    _wait_for(browser, ec.title_contains("Mail settings"))

    login = _facts(browser, "login")
    assert (login["Email address"], login["User name"]) == ("jane@example.com",) * 2
    assert login["User name without @"].startswith("jane%example.com For programs such as Eudora")
    assert _facts(browser, "incoming") == {
        "Server": "mail.example.net",
        "Port and encryption": "Port 995 with SSL/TLS Port 110 with STARTTLS",
        "User name": "jane@example.com",
    }
    outgoing = _facts(browser, "outgoing")
    assert (outgoing["Server"], outgoing["Port and encryption"]) == (
        "mail.example.net", "Port 587 with STARTTLS")
    assert outgoing["Authentication"].startswith("This server requires authentication.")
    current = browser.find_element(By.CSS_SELECTOR, ".site-nav a[aria-current=page]")
    assert current.text == "Mail settings"
    assert screenshot("mail-settings").stat().st_size > 0

    # The Thunderbird link on the page answers with her domain's configuration.
    browser.find_element(By.PARTIAL_LINK_TEXT, "/mail/config-v1.1.xml").click()
    _wait_for(browser, ec.url_contains("config-v1.1.xml"))
    assert "mail.example.net" in browser.page_source
    assert screenshot("mail-settings-phone", PHONE).stat().st_size > 0
