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


def _type(browser, field_id, text):
    field = browser.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text)
    return field


def _rows(browser, table_class):
    return {row.find_element(By.TAG_NAME, "th").text: row.text
            for row in browser.find_elements(By.CSS_SELECTOR, f"table.{table_class} tbody tr")}


def _log_in(browser):
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    _type(browser, "id_account", "postmaster")
    _type(browser, "id_domain", "example.com")
    _type(browser, "id_password", PASSWORD).send_keys(Keys.ENTER)
    _wait_for(browser, ec.title_contains("Overview of example.com"))


def test_a_postmaster_creates_a_forward_and_an_autoresponder_and_sees_them_listed(
        page, jane, screenshot):
    browser = page.open_path("/")
    _log_in(browser)

    # Forwards: from the menu, with its count
    menu = browser.find_element(By.CSS_SELECTOR, ".site-nav")
    menu.find_element(By.PARTIAL_LINK_TEXT, "Forwards").click()
    _wait_for(browser, ec.title_contains("Forwards of example.com"))
    assert "No forward yet." in browser.page_source
    browser.find_element(By.LINK_TEXT, "New Forward").click()
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_targets")))
    _type(browser, "id_name", "info")
    targets = _type(browser, "id_targets", "jane@example.com")
    targets.send_keys(Keys.ENTER, "not-an-address")
    browser.find_element(By.XPATH, "//button[normalize-space()='Create forward']").click()

    # A mistake is explained, and what was typed is still there.
    _wait_for(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".errorlist")))
    assert "“not-an-address” is not a valid email address" in browser.page_source
    assert browser.find_element(By.ID, "id_name").get_attribute("value") == "info"
    targets = browser.find_element(By.ID, "id_targets")
    targets.send_keys(Keys.BACKSPACE * len("not-an-address"), "boss@example.net")
    browser.find_element(By.XPATH, "//button[normalize-space()='Create forward']").click()

    _wait_for(browser, ec.title_contains("Forwards of example.com"))
    status = browser.find_element(By.CSS_SELECTOR, ".messages").text
    assert "The forward info@example.com was created." in status
    rows = _rows(browser, "forwards")
    assert list(rows) == ["info@example.com"]
    assert "jane@example.com" in rows["info@example.com"]
    assert "boss@example.net" in rows["info@example.com"]
    menu = browser.find_element(By.CSS_SELECTOR, ".site-nav")
    assert menu.find_element(By.PARTIAL_LINK_TEXT, "Forwards").text == "Forwards 1"
    assert screenshot("forwards").stat().st_size > 0

    # Autoresponders
    menu.find_element(By.PARTIAL_LINK_TEXT, "Autoresponders").click()
    _wait_for(browser, ec.title_contains("Autoresponders of example.com"))
    browser.find_element(By.LINK_TEXT, "New Autoresponder").click()
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_subject")))
    _type(browser, "id_name", "sales")
    _type(browser, "id_copy_to", "jane@example.com")
    _type(browser, "id_subject", "Thank you for writing")
    _type(browser, "id_message", "We answer within a day.")
    browser.find_element(By.XPATH,
                         "//button[normalize-space()='Create autoresponder']").click()

    _wait_for(browser, ec.title_contains("Autoresponders of example.com"))
    status = browser.find_element(By.CSS_SELECTOR, ".messages").text
    assert "The autoresponder sales@example.com was created." in status
    rows = _rows(browser, "autoresponders")
    assert list(rows) == ["sales@example.com"]
    assert "Thank you for writing" in rows["sales@example.com"]
    assert "jane@example.com" in rows["sales@example.com"]
    menu = browser.find_element(By.CSS_SELECTOR, ".site-nav")
    assert menu.find_element(By.PARTIAL_LINK_TEXT, "Autoresponders").text == "Autoresponders 1"

    assert screenshot("autoresponders").stat().st_size > 0
    assert screenshot("autoresponders-phone", size=PHONE).stat().st_size > 0
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth")


def test_a_user_turns_on_a_vacation_message_on_their_own_page(page, jane, screenshot):
    browser = page.open_path("/")
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    _type(browser, "id_account", "jane")
    _type(browser, "id_domain", "example.com")
    _type(browser, "id_password", PASSWORD).send_keys(Keys.ENTER)
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_vacation_enabled")))

    browser.find_element(By.ID, "id_vacation_enabled").click()
    _type(browser, "id_vacation_subject", "Away until Monday")
    _type(browser, "id_vacation_message", "I read my mail when I am back.")
    browser.find_element(By.XPATH,
                         "//button[normalize-space()='Save routing and vacation']").click()

    # Wait for the new page's message: the page before it may show one too (signed in).
    _wait_for(browser, ec.text_to_be_present_in_element(
        (By.CSS_SELECTOR, ".messages"), "Your routing and vacation settings were saved."))
    assert "Your routing and vacation settings were saved." in browser.find_element(
        By.CSS_SELECTOR, ".messages").text
    assert browser.find_element(By.ID, "id_vacation_enabled").is_selected()
    assert browser.find_element(By.ID, "id_mode_0").is_selected()  # still Standard
    assert screenshot("me-vacation").stat().st_size > 0
