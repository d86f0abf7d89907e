"""A postmaster creates a mailing list in a real browser and sees it listed."""

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _wait_for(browser, condition, seconds=15):
    return WebDriverWait(browser, seconds, ignored_exceptions=(WebDriverException,)).until(
        condition)  # a page being replaced can answer "node does not belong to the document"


def _type(browser, field_id, text):
    field = browser.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text)
    return field


def test_a_postmaster_creates_a_mailing_list_and_sees_it_listed(page, postmaster, screenshot):
    browser = page.open_path("/")
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    _type(browser, "id_account", "postmaster")
    _type(browser, "id_domain", "example.com")
    _type(browser, "id_password", PASSWORD).send_keys(Keys.ENTER)
    _wait_for(browser, ec.title_contains("Overview of example.com"))

    menu = browser.find_element(By.CSS_SELECTOR, ".site-nav")
    menu.find_element(By.PARTIAL_LINK_TEXT, "Mailing lists").click()
    _wait_for(browser, ec.title_contains("Mailing lists of example.com"))
    assert "No mailing list yet." in browser.page_source
    browser.find_element(By.LINK_TEXT, "New Mailing List").click()
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_name")))
    _type(browser, "id_name", "team")
    browser.find_element(By.XPATH, "//button[normalize-space()='Create mailing list']").click()

    _wait_for(browser, ec.title_contains("Mailing lists of example.com"))
    status = browser.find_element(By.CSS_SELECTOR, ".messages").text
    assert "The mailing list team@example.com was created." in status
    rows = [row.find_element(By.TAG_NAME, "th").text
            for row in browser.find_elements(By.CSS_SELECTOR, "table.mailing-lists tbody tr")]
    assert rows == ["team@example.com"]
    menu = browser.find_element(By.CSS_SELECTOR, ".site-nav")
    assert menu.find_element(By.PARTIAL_LINK_TEXT, "Mailing lists").text == "Mailing lists 1"
    assert screenshot("lists").stat().st_size > 0
