"""The help in a real Chromium: from the login page to the index, a topic, and back."""

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


def _wait_for(browser, condition, seconds=15):
    return WebDriverWait(browser, seconds, ignored_exceptions=(WebDriverException,)).until(
        condition)  # a page being replaced can answer "node does not belong to the document"


def test_a_visitor_finds_how_long_infected_mail_is_kept_without_signing_in(
        page, db, screenshot):
    browser = page.open_path("/accounts/login/")
    _wait_for(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".login-help")))
    browser.find_element(By.LINK_TEXT, "Help").click()
    _wait_for(browser, ec.title_contains("Help"))
    topics = browser.find_elements(By.CSS_SELECTOR, ".help-index h2 a")
    assert len(topics) == 11
    assert screenshot("help-index").stat().st_size > 0

    browser.find_element(By.LINK_TEXT, "Anti-virus filtering").click()
    _wait_for(browser, ec.title_contains("Anti-virus filtering"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Anti-virus filtering"
    article = " ".join(browser.find_element(By.CSS_SELECTOR, "article.help").text.split())
    assert "the message is refused: nobody here receives it" in article
    assert "kept in the quarantine for 4 days, then deleted automatically" in article
    current = browser.find_element(By.CSS_SELECTOR, ".help-topics a[aria-current=page]")
    assert current.text == "Anti-virus filtering"

    # Another topic from the list at the bottom, then back to the index.
    browser.find_element(By.LINK_TEXT, "Spam filtering and spam preferences").click()
    _wait_for(browser, ec.title_contains("Spam filtering"))
    assert "deleted after 10 days" in browser.find_element(By.CSS_SELECTOR, "article.help").text
    assert screenshot("help-spam-phone", PHONE).stat().st_size > 0
    browser.find_element(By.CSS_SELECTOR, ".breadcrumb a").click()
    _wait_for(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".help-index")))
