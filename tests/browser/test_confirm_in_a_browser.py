"""A destructive action asks first, and the question is answered with the keyboard alone."""

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from hostpanel.api.models import ApiToken
from hostpanel.api.tokens import create_token
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _wait_for(browser, condition, seconds=15):
    return WebDriverWait(browser, seconds, ignored_exceptions=(WebDriverException,)).until(
        condition)  # a page being replaced can answer "node does not belong to the document"


def test_revoking_a_token_asks_first_and_enter_confirms(page, postmaster, screenshot):
    row, _token = create_token(postmaster, "backup script")
    browser = page.open_path("/")
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    browser.find_element(By.ID, "id_account").send_keys("postmaster")
    browser.find_element(By.ID, "id_domain").send_keys("example.com")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    _wait_for(browser, ec.title_contains("Overview of example.com"))

    page.open_path("/api-tokens/")
    browser.find_element(By.XPATH, "//button[starts-with(normalize-space(), 'Revoke')]").click()
    _wait_for(browser, ec.title_contains("Revoke an API token"))
    assert f"The token {row.prefix} stops working for good" in browser.page_source
    assert ApiToken.objects.filter(pk=row.pk).exists()  # asked, not done
    assert screenshot("confirm-revoke").stat().st_size > 0
    # The confirming button has the focus: Enter answers the question.
    focused = browser.switch_to.active_element
    assert focused.text == "Revoke the token"
    focused.send_keys(Keys.ENTER)
    _wait_for(browser, ec.text_to_be_present_in_element(
        (By.CSS_SELECTOR, ".messages"), f"The token {row.prefix} was revoked."))
    assert not ApiToken.objects.filter(pk=row.pk).exists()
