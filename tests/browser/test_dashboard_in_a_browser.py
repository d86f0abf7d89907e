"""The postmaster's home in a real browser: the main menu, the chart, on to the accounts."""

import pytest
from django.utils import timezone
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from hostpanel.dashboard.models import DailyMailCount
from tests.browser.conftest import PHONE
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _wait_for(browser, condition, seconds=15):
    return WebDriverWait(browser, seconds, ignored_exceptions=(WebDriverException,)).until(
        condition)  # a page being replaced can answer "node does not belong to the document"


def test_a_postmaster_lands_on_the_menu_sees_the_chart_and_opens_the_accounts(
        page, postmaster, jane, screenshot):
    DailyMailCount.objects.create(domain=postmaster.domain, day=timezone.localdate(),
                                  received=12, spam=3, viruses=1)
    browser = page.open_path("/")
    _wait_for(browser, ec.presence_of_element_located((By.ID, "id_account")))
    browser.find_element(By.ID, "id_account").send_keys("postmaster")
    browser.find_element(By.ID, "id_domain").send_keys("example.com")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    _wait_for(browser, ec.title_contains("Overview of example.com"))

    tiles = browser.find_elements(By.CSS_SELECTOR, ".menu-grid .menu-tile")
    labels = [tile.find_element(By.CSS_SELECTOR, ".menu-label").text for tile in tiles]
    assert labels == ["Email accounts", "Forwards", "Autoresponders", "Mailing lists",
                      "Spam preferences", "Spam mailbox", "Virus quarantine",
                      "Mail settings", "Help"]
    assert "3 accounts" in tiles[0].text
    # Each icon is drawn: it has a size on the screen.
    assert all(tile.find_element(By.CSS_SELECTOR, "svg.menu-icon").size["width"] > 20
               for tile in tiles)

    chart = browser.find_element(By.CSS_SELECTOR, "svg.chart--mail")
    assert chart.size["width"] > 300 and chart.size["height"] > 100
    assert len(chart.find_elements(By.CSS_SELECTOR, ".series--received circle")) == 30
    today = chart.find_elements(By.CSS_SELECTOR, ".series--received circle")[-1]
    assert today.get_attribute("data-value") == "12"
    legend = browser.find_element(By.CSS_SELECTOR, ".chart-legend").text
    assert "Mail received: 12" in legend and "Viruses blocked: 1" in legend
    bars = browser.find_elements(By.CSS_SELECTOR, ".quota-row")
    assert "jane@example.com" in " ".join(bar.text for bar in bars)
    screenshot("dashboard")
    browser.execute_script("arguments[0].scrollIntoView()", chart)
    screenshot("dashboard-chart")

    browser.find_element(By.CSS_SELECTOR, ".menu-grid").find_element(
        By.PARTIAL_LINK_TEXT, "Email accounts").click()
    _wait_for(browser, ec.title_contains("Email accounts of example.com"))
    assert "jane@example.com" in browser.find_element(By.CSS_SELECTOR, "table.accounts").text

    browser.back()
    _wait_for(browser, ec.title_contains("Overview of example.com"))
    screenshot("dashboard-phone", size=PHONE)
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth")
