"""The operator opens the status page from the navigation in a real Chromium."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from hostpanel.outbound.models import OutboundMessage, OutboundRecipient
from tests.browser.conftest import PHONE
from tests.conftest import PASSWORD
from tests.pop3.conftest import pop3_factory  # noqa: F401
from tests.support import free_ports

pytestmark = pytest.mark.browser


def _wait_for(browser, condition, seconds=15):
    return WebDriverWait(browser, seconds, ignored_exceptions=(WebDriverException,)).until(
        condition)  # a page being replaced can answer "node does not belong to the document"


def _state(browser, key: str) -> str:
    return browser.find_element(By.ID, f"service-{key}").get_attribute("data-state")


def test_the_operator_sees_which_services_are_up_and_the_queue(page, pop3_factory,  # noqa: F811
                                                               settings, screenshot):
    get_user_model().objects.create_superuser("admin", PASSWORD)
    smtp, submission = free_ports(2)  # nothing listens there
    settings.HOSTPANEL_SMTP_HOST = settings.HOSTPANEL_POP3_HOST = "127.0.0.1"
    settings.HOSTPANEL_SMTP_PORT, settings.HOSTPANEL_SUBMISSION_PORT = smtp, submission
    settings.HOSTPANEL_POP3_PORT = pop3_factory().port
    settings.HOSTPANEL_CLAMD = ""
    message = OutboundMessage.objects.create(
        queue_id="q1", origin=OutboundMessage.SUBMISSION, sender="jane@example.com", size=900,
        expires_at=timezone.now() + timedelta(days=5))
    OutboundRecipient.objects.create(message=message, address="ann@slow.test",
                                     state=OutboundRecipient.DEFERRED,
                                     last_error="451 4.3.0 mx.slow.test: try again later")

    browser = page.open_path("/")
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    browser.find_element(By.ID, "id_account").send_keys("admin")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    _wait_for(browser, ec.presence_of_element_located((By.LINK_TEXT, "System status")))
    browser.find_element(By.LINK_TEXT, "System status").click()
    _wait_for(browser, ec.title_contains("System status"))

    assert (_state(browser, "pop3"), _state(browser, "smtp"), _state(browser, "database")) == (
        "up", "down", "up")
    pop3 = browser.find_element(By.ID, "service-pop3")
    assert pop3.find_element(By.CSS_SELECTOR, ".state").text == "up"
    assert "+OK" in pop3.text
    assert "Connection refused" in browser.find_element(By.ID, "service-smtp").text
    assert browser.find_element(By.ID, "problems").text.endswith(
        "services are down.")
    queue = browser.find_element(By.ID, "queue").text.split("\n")
    assert queue[:4] == ["Messages waiting", "1", "Deferred", "1"]
    errors = browser.find_element(By.ID, "delivery-errors").text
    assert "ann@slow.test" in errors and "451 4.3.0 mx.slow.test: try again later" in errors
    assert "Mail root" in browser.find_element(By.ID, "folders").text
    current = browser.find_element(By.CSS_SELECTOR, ".site-nav a[aria-current=page]")
    assert current.text == "System status"
    assert screenshot("status").stat().st_size > 0
    assert screenshot("status-whole-page", (1280, 2200)).stat().st_size > 0
    assert screenshot("status-phone", PHONE).stat().st_size > 0
