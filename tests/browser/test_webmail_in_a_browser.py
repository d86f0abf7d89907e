"""Jane reads a hostile HTML message in web mail in a real Chromium, safely, and replies."""

import pytest
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import PASSWORD
from tests.webmail.conftest import deliver, mailbox_of, make_message

pytestmark = pytest.mark.browser

HOSTILE = """<p id="greeting">Hello Jane, lunch on Friday?</p>
<script>window.pwned = 'script';</script>
<img src="x" onerror="window.pwned = 'onerror'">
<img src="https://tracker.invalid/pixel.gif" alt="tracker">
<a id="bad" href="javascript:window.pwned='link'">open</a>
<iframe srcdoc="<script>parent.pwned='iframe'</script>"></iframe>"""


def _wait_for(browser, condition, seconds=15):
    return WebDriverWait(browser, seconds, ignored_exceptions=(WebDriverException,)).until(
        condition)  # a page being replaced can answer "node does not belong to the document"


def _no_alert(browser) -> bool:
    try:
        browser.switch_to.alert.dismiss()
    except NoAlertPresentException:
        return True
    return False


def test_jane_reads_a_hostile_message_safely_and_replies(page, jane, domain, account_factory,
                                                         test_dns, screenshot):
    account_factory(domain, "john")
    deliver(jane.address, make_message(subject="Lunch", sender="John <john@example.com>",
                                       to=jane.address, body="Lunch on Friday?", html=HOSTILE,
                                       message_id="<lunch-1@example.com>"))
    browser = page.open_path("/")
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    browser.find_element(By.ID, "id_account").send_keys("jane")
    browser.find_element(By.ID, "id_domain").send_keys("example.com")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    _wait_for(browser, ec.presence_of_element_located((By.LINK_TEXT, "Web mail")))
    browser.find_element(By.LINK_TEXT, "Web mail").click()
    _wait_for(browser, ec.presence_of_element_located((By.LINK_TEXT, "Lunch")))
    assert "unread" in browser.find_element(By.CSS_SELECTOR, "tbody tr").get_attribute("class")
    screenshot("webmail-list")

    browser.find_element(By.LINK_TEXT, "Lunch").click()
    _wait_for(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".mail-html p")))
    greeting = browser.find_element(By.CSS_SELECTOR, ".mail-html p")
    assert greeting.text == "Hello Jane, lunch on Friday?"
    assert browser.execute_script("return window.pwned === undefined")
    assert not browser.find_elements(By.CSS_SELECTOR, ".mail-html script, .mail-html iframe")
    assert browser.find_element(By.LINK_TEXT, "open").get_attribute("href") is None
    images = browser.find_elements(By.CSS_SELECTOR, ".mail-html img")
    assert all(not (image.get_attribute("src") or "").startswith("https://tracker")
               for image in images)
    assert "remote image was not loaded" in browser.find_element(
        By.CSS_SELECTOR, ".remote-images").text
    browser.find_element(By.LINK_TEXT, "open").click()
    assert _no_alert(browser) and browser.execute_script("return window.pwned === undefined")
    screenshot("webmail-message")

    browser.find_element(By.LINK_TEXT, "Reply").click()
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_body")))
    assert browser.find_element(By.ID, "id_to").get_attribute("value") == "john@example.com"
    assert browser.find_element(By.ID, "id_subject").get_attribute("value") == "Re: Lunch"
    body = browser.find_element(By.ID, "id_body")
    body.send_keys(Keys.CONTROL, Keys.HOME)
    body.send_keys("Friday suits me.")
    send = browser.find_element(By.XPATH, "//button[normalize-space()='Send']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", send)
    send.click()
    _wait_for(browser, ec.text_to_be_present_in_element(
        (By.CSS_SELECTOR, ".messages"), "Your message was sent."))

    [reply] = mailbox_of("john@example.com").messages()
    data = reply.path.read_bytes()
    assert b"Subject: Re: Lunch" in data and b"In-Reply-To: <lunch-1@example.com>" in data
    assert b"From: jane@example.com" in data and b"Friday suits me." in data
    assert "seen" in browser.find_element(By.CSS_SELECTOR, "tbody tr").get_attribute("class")


def test_the_postmaster_says_not_spam_and_the_message_reaches_janes_inbox(page, postmaster,
                                                                           jane, domain):
    from hostpanel.spam.models import CaughtSpam

    spam_account = domain.spam.spam_account
    stored = deliver(spam_account.address, b"X-Original-To: jane@example.com\n" + make_message(
        subject="Invoice", sender="Shop <shop@example.net>", to=jane.address))
    CaughtSpam.objects.create(domain=domain, recipient=jane.address, sender="shop@example.net",
                              subject="Invoice", score=7.5, filename=stored.uid,
                              size=stored.size)
    browser = page.open_path("/")
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    browser.find_element(By.ID, "id_account").send_keys("postmaster")
    browser.find_element(By.ID, "id_domain").send_keys("example.com")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    _wait_for(browser, ec.presence_of_element_located((By.LINK_TEXT, "Web mail")))
    browser.find_element(By.LINK_TEXT, "Web mail").click()
    _wait_for(browser, ec.presence_of_element_located(
        (By.LINK_TEXT, "Review the domain's spam mailbox"))).click()
    _wait_for(browser, ec.presence_of_element_located((By.LINK_TEXT, "Invoice"))).click()
    _wait_for(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".original-to")))
    assert browser.find_element(By.CSS_SELECTOR, ".original-to").text == "jane@example.com"
    browser.find_element(By.XPATH, "//button[normalize-space()='Not spam']").click()
    _wait_for(browser, ec.text_to_be_present_in_element(
        (By.CSS_SELECTOR, ".messages"), "The message was delivered to jane@example.com"))
    [delivered] = mailbox_of(jane.address).messages()
    assert b"Subject: Invoice" in delivered.path.read_bytes()
    assert mailbox_of(spam_account.address).messages() == []
