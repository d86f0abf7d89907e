import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import PASSWORD
from tests.security.test_two_factor import totp_code

pytestmark = pytest.mark.browser


def _wait_for(browser, condition, seconds=15):
    return WebDriverWait(browser, seconds, ignored_exceptions=(WebDriverException,)).until(
        condition)  # a page being replaced can answer "node does not belong to the document"


def _type(browser, field_id, text):
    field = browser.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text)
    return field


def _sign_in(browser):
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    _type(browser, "id_account", "postmaster")
    _type(browser, "id_domain", "example.com")
    _type(browser, "id_password", PASSWORD).send_keys(Keys.ENTER)


def test_a_postmaster_activates_totp_and_signs_in_with_a_code(page, postmaster, screenshot):
    browser = page.open_path("/")
    _sign_in(browser)
    _wait_for(browser, ec.title_contains("Overview of example.com"))

    browser = page.open_path("/me/")
    browser.find_element(By.LINK_TEXT, "Two-factor sign-in").click()
    _wait_for(browser, ec.presence_of_element_located((By.PARTIAL_LINK_TEXT, "Activate")))
    browser.find_element(By.PARTIAL_LINK_TEXT, "Activate").click()
    # The password once more, then the QR code and the secret as text.
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_password")))
    _type(browser, "id_password", PASSWORD).send_keys(Keys.ENTER)
    _wait_for(browser, ec.presence_of_element_located((By.ID, "authenticator_secret")))
    secret = browser.find_element(By.ID, "authenticator_secret").get_attribute("value")
    assert browser.find_element(By.CSS_SELECTOR, "img[src^='data:image/svg+xml']")
    assert screenshot("two-factor-activate").stat().st_size > 0
    _type(browser, "id_code", totp_code(secret)).send_keys(Keys.ENTER)
    _wait_for(browser, ec.url_contains("/accounts/2fa/"))
    _wait_for(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".messages")))

    browser.find_element(By.XPATH, "//button[normalize-space()='Sign out']").click()
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    _sign_in(browser)
    _wait_for(browser, ec.url_contains("/accounts/2fa/authenticate/"))
    _type(browser, "id_code", totp_code(secret)).send_keys(Keys.ENTER)
    _wait_for(browser, ec.title_contains("Overview of example.com"))
