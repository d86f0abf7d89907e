"""A reseller, at its own panel host name, manages its domains in a real Chromium.

Chromium sends any ``*.localhost`` name to the loopback interface, so the live
server is reached as panel.bluebird.localhost: the Host header the white label
is decided by.
"""

from urllib.parse import urlsplit

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from hostpanel.domains.models import Domain
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PANEL_HOST = "panel.bluebird.localhost"
POP3_HOST, SMTP_HOST = "pop.bluebird.example", "smtp.bluebird.example"


def _wait_for(browser, condition, seconds=15):
    return WebDriverWait(browser, seconds, ignored_exceptions=(WebDriverException,)).until(
        condition)  # a page being replaced can answer "node does not belong to the document"


def _type(browser, field_id, text):
    field = browser.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text)
    return field


def _facts(browser, list_id: str) -> dict[str, str]:
    facts = browser.find_element(By.ID, list_id)
    terms = [term.text for term in facts.find_elements(By.TAG_NAME, "dt")]
    values = [" ".join(dd.text.split()) for dd in facts.find_elements(By.TAG_NAME, "dd")]
    return dict(zip(terms, values, strict=True))


def _shows_no_name_of_ours(browser) -> None:
    text = browser.find_element(By.TAG_NAME, "body").text.lower()
    assert "hostpanel" not in text and "mail.operator.example" not in text
    assert "hostpanel" not in browser.title.lower()


@pytest.fixture
def bluebird(db, settings):
    from hostpanel.resellers import services

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, PANEL_HOST]
    settings.HOSTPANEL_MAIL_HOST = "mail.operator.example"
    settings.HOSTPANEL_TLS_CERT = "/etc/hostpanel/cert.pem"
    settings.HOSTPANEL_CLAMD = "127.0.0.1:3310"
    reseller = services.create_reseller(name="Bluebird Mail", panel_host=PANEL_HOST,
                                        pop3_host=POP3_HOST, smtp_host=SMTP_HOST)
    services.create_login(reseller, "bluebird", PASSWORD)
    services.create_domain(reseller, "shop.example", PASSWORD)
    return reseller


def test_a_reseller_signs_in_at_its_host_and_creates_a_domain(page, live_server, bluebird,
                                                              domain, screenshot):
    port = urlsplit(live_server.url).port
    page.get(f"http://{PANEL_HOST}:{port}/")
    browser = page
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    assert browser.find_element(By.CSS_SELECTOR, ".site-header .brand").text == "Bluebird Mail"
    assert browser.title.endswith("Bluebird Mail")
    _shows_no_name_of_ours(browser)

    _type(browser, "id_account", "bluebird")
    _type(browser, "id_password", PASSWORD).send_keys(Keys.ENTER)
    _wait_for(browser, ec.title_contains("Domains"))
    listed = [link.text for link in browser.find_elements(By.CSS_SELECTOR, ".domain-list a")]
    assert listed == ["shop.example"]  # not the operator's example.com
    _shows_no_name_of_ours(browser)
    assert screenshot("reseller-domains").stat().st_size > 0

    browser.find_element(By.LINK_TEXT, "Add a domain").click()
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_name")))
    _type(browser, "id_name", "garden.example")
    _type(browser, "id_password1", PASSWORD)
    _type(browser, "id_password2", PASSWORD)
    browser.find_element(By.XPATH, "//button[normalize-space()='Create domain']").click()
    _wait_for(browser, ec.title_contains("Email accounts of garden.example"))
    assert "The domain garden.example was created." in browser.find_element(
        By.CSS_SELECTOR, ".messages").text
    assert Domain.objects.get(name="garden.example").reseller_link.reseller == bluebird
    _shows_no_name_of_ours(browser)

    browser.find_element(By.LINK_TEXT, "Mail settings").click()
    _wait_for(browser, ec.title_contains("Mail settings"))
    assert _facts(browser, "incoming")["Server"] == POP3_HOST
    assert _facts(browser, "outgoing")["Server"] == SMTP_HOST
    _shows_no_name_of_ours(browser)
    assert screenshot("reseller-mail-settings").stat().st_size > 0

    # The operator's domain is not there for the reseller: the same page as a missing one.
    page.get(f"http://{PANEL_HOST}:{port}/domains/example.com/accounts/")
    _wait_for(browser, ec.title_contains("Not found"))
