"""A mail user sets their own spam preferences in a real Chromium."""

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from hostpanel.spam import services
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _wait_for(browser, condition, seconds=15):
    return WebDriverWait(browser, seconds, ignored_exceptions=(WebDriverException,)).until(
        condition)  # a page being replaced can answer "node does not belong to the document"


def test_a_user_accepts_only_english_and_whitelists_a_friend(page, jane, screenshot):
    browser = page.open_path("/")
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    browser.find_element(By.ID, "id_account").send_keys("jane")
    browser.find_element(By.ID, "id_domain").send_keys("example.com")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    _wait_for(browser, ec.presence_of_element_located((By.LINK_TEXT, "My spam preferences")))
    browser.find_element(By.LINK_TEXT, "My spam preferences").click()
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_threshold")))

    english = browser.find_element(By.CSS_SELECTOR, "input[name=languages][value=en]")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", english)
    english.click()
    threshold = browser.find_element(By.ID, "id_threshold")
    threshold.clear()
    threshold.send_keys("4.5")
    browser.find_element(By.ID, "id_whitelist").send_keys("friend@example.net")
    save = browser.find_element(By.XPATH, "//button[normalize-space()='Save my spam preferences']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", save)
    save.click()

    _wait_for(browser, ec.text_to_be_present_in_element(
        (By.CSS_SELECTOR, ".messages"), "Your spam preferences were saved."))
    preferences = services.account_preferences(jane)
    assert (preferences["languages"], preferences["threshold"], preferences["whitelist"]) == (
        ["en"], 4.5, ["friend@example.net"])
    assert browser.find_element(By.ID, "id_threshold").get_attribute("value") == "4.5"
    assert screenshot("spam-preferences").stat().st_size > 0
