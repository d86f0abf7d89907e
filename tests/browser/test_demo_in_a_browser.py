"""The live demo in a real Chromium: the sign-ins on the login page, the countdown ticking,
and what the banner does when the reset comes."""

import re

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from hostpanel.demo import POSTMASTER_LOGIN, POSTMASTER_PASSWORD, USER_LOGIN, USER_PASSWORD
from tests.demo.safety import demo_mode_fixture, demo_site_fixture  # noqa: F401

pytestmark = pytest.mark.browser

COUNTDOWN = re.compile(r"^Next reset in (\d{1,2}):(\d\d)\.$")
RUNNING = "The demo is being reset now; this page reloads in a few seconds."
# Before any script of a page: the page's clock runs a thousand times too fast, so the
# banner's 15 minutes pass in about a second (timers keep the real pace).
FAST_CLOCK = """(() => {
  const realNow = Date.now.bind(Date), start = realNow();
  Date.now = () => start + (realNow() - start) * 1000;
})();"""


def _wait_for(browser, condition, seconds=15):
    return WebDriverWait(browser, seconds, ignored_exceptions=(WebDriverException,)).until(
        condition)  # a page being replaced can answer "node does not belong to the document"


def _countdown(browser) -> str:
    return browser.find_element(By.ID, "demo-countdown").text


def test_the_login_page_shows_the_sign_ins_and_the_countdown_ticks(page, demo_site, screenshot):
    browser = page.open_path("/accounts/login/")
    _wait_for(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".demo-sign-ins")))
    sign_ins = browser.find_element(By.CSS_SELECTOR, ".demo-sign-ins").text
    for text in (POSTMASTER_LOGIN, POSTMASTER_PASSWORD, USER_LOGIN, USER_PASSWORD):
        assert text in sign_ins
    banner = browser.find_element(By.ID, "demo-banner").text
    assert banner.startswith("This is a live demo: everything is reset every 15 minutes.")

    first = _wait_for(browser, lambda b: COUNTDOWN.match(_countdown(b)) and _countdown(b))
    minutes, seconds = map(int, COUNTDOWN.match(first).groups())
    assert 0 <= minutes * 60 + seconds <= 15 * 60
    _wait_for(browser, lambda b: _countdown(b) != first)  # it ticks
    assert COUNTDOWN.match(_countdown(browser)) or _countdown(browser) == RUNNING
    assert screenshot("demo-login").stat().st_size > 0

    # The sign-in shown works as shown, and the banner follows onto the panel.
    browser.find_element(By.ID, "id_account").send_keys(USER_LOGIN)
    browser.find_element(By.ID, "id_password").send_keys(USER_PASSWORD, Keys.ENTER)
    _wait_for(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".whoami-name")))
    assert browser.find_element(By.CSS_SELECTOR, ".whoami-name").text == USER_LOGIN
    assert COUNTDOWN.match(_wait_for(browser, lambda b: _countdown(b)))


def test_at_zero_the_banner_says_the_reset_is_under_way_and_reloads(page, demo_site):
    added = page.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FAST_CLOCK})
    try:
        browser = page.open_path("/accounts/login/")
        _wait_for(browser, lambda b: _countdown(b) == RUNNING)
        browser.execute_script("window.demoTestMarker = true;")
        # A new document (the reload) no longer has the marker.
        _wait_for(browser, lambda b: b.execute_script("return !window.demoTestMarker;"), 20)
        _wait_for(browser, ec.presence_of_element_located((By.ID, "demo-countdown")))
        assert browser.current_url.endswith("/accounts/login/")
    finally:
        page.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                             {"identifier": added["identifier"]})
