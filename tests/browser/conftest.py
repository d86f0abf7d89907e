"""A headless Chromium driven by Selenium, for tests marked ``browser``.

Debian's ``chromium`` and ``chromium-driver`` packages are used as installed;
the driver path is given explicitly so that Selenium Manager never tries to
download anything. Screenshots go to test-artifacts/screenshots/ (git-ignored).
"""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = (1280, 900)
PHONE = (390, 844)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            pytest.fail(f"{path} is missing: apt-get install chromium chromium-driver "
                        "(make test installs them when run as root)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     "--lang=en-US", f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)),
                              options=options)
    driver.set_page_load_timeout(30)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def browser_in(tmp_path_factory):
    """``browser_in("fr")``: a second headless Chromium whose Accept-Language is that
    language (``--lang``, ``--accept-lang`` and the ``intl.accept_languages`` preference),
    started once per language and closed at the end of the session."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    drivers = {}

    def start(language: str):
        if language not in drivers:
            options = webdriver.ChromeOptions()
            options.binary_location = str(CHROMIUM)
            for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                             "--disable-dev-shm-usage", "--disable-background-networking",
                             "--disable-component-update", "--disable-sync", "--no-first-run",
                             f"--lang={language}", f"--accept-lang={language}",
                             f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
                             "--user-data-dir="
                             f"{tmp_path_factory.mktemp(f'chromium-{language}')}"):
                options.add_argument(argument)
            options.add_experimental_option("prefs", {"intl.accept_languages": language})
            driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)),
                                      options=options)
            driver.set_page_load_timeout(30)
            drivers[language] = driver
        driver = drivers[language]
        driver.delete_all_cookies()
        driver.set_window_size(*DESKTOP)
        return driver

    yield start
    for driver in drivers.values():
        driver.quit()


@pytest.fixture
def page(browser, live_server):
    """The browser with a fresh cookie jar, and a helper to open panel URLs."""
    browser.delete_all_cookies()
    browser.set_window_size(*DESKTOP)

    def open_path(path: str):
        browser.get(live_server.url + path)
        return browser

    browser.open_path = open_path
    yield browser
    browser.delete_all_cookies()


@pytest.fixture
def screenshot(browser):
    """``screenshot("accounts")`` saves test-artifacts/screenshots/accounts.png."""

    def save(name: str, size: tuple[int, int] | None = None) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        if size:
            browser.set_window_size(*size)
        path = SCREENSHOTS / f"{name}.png"
        browser.save_screenshot(str(path))
        return path

    return save
