import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
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


def test_a_postmaster_logs_in_creates_an_account_and_sees_it_listed(page, postmaster,
                                                                   screenshot):
    browser = page.open_path("/")
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    assert browser.title.startswith("Sign in")

    _type(browser, "id_account", "postmaster")
    _type(browser, "id_domain", "example.com")
    _type(browser, "id_password", PASSWORD).send_keys(Keys.ENTER)
    _wait_for(browser, ec.title_contains("Overview of example.com"))  # the main menu
    browser.find_element(By.CSS_SELECTOR, ".menu-grid").find_element(
        By.PARTIAL_LINK_TEXT, "Email accounts").click()
    _wait_for(browser, ec.title_contains("Email accounts of example.com"))

    # The keyboard alone: the first Tab reaches the skip link, Enter follows links.
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.get_attribute("class") == "skip-link"
    browser.find_element(By.LINK_TEXT, "New Email Account").send_keys(Keys.ENTER)
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_name")))
    _type(browser, "id_name", "bob")
    _type(browser, "id_password", PASSWORD)
    _type(browser, "id_password2", PASSWORD)
    _type(browser, "id_quota_mb", "200")
    browser.find_element(By.ID, "id_spam_filtering").send_keys(Keys.SPACE)  # untick
    browser.find_element(By.XPATH, "//button[normalize-space()='Create account']").click()

    _wait_for(browser, ec.title_contains("Email accounts of example.com"))
    status = browser.find_element(By.CSS_SELECTOR, ".messages").text
    assert "The account bob@example.com was created." in status
    rows = {row.find_element(By.TAG_NAME, "th").text: row.text
            for row in browser.find_elements(By.CSS_SELECTOR, "table.accounts tbody tr")}
    assert set(rows) == {"bob@example.com", "postmaster@example.com", "spam@example.com"}
    assert "200 MB" in rows["bob@example.com"] and "Off" in rows["bob@example.com"]

    assert screenshot("accounts").stat().st_size > 0
    assert screenshot("accounts-phone", size=PHONE).stat().st_size > 0
    # On a phone the page does not scroll sideways (only the table may, inside its box).
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth")
