"""Real headless Chromium (Debian's chromium and chromium-driver) driven by Selenium, for the
console's browser tests. Missing browser: the tests fail, they are never skipped."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def chromium() -> webdriver.Chrome:
    """A headless Chromium; raises with what to install when it is not there."""
    for binary in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(binary) is None:
            raise RuntimeError(f"{binary} is missing: `make system` installs chromium and chromium-driver")
    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--lang=zh-CN"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


class Browser:
    """A logged-in-or-not browser session on the center's console."""

    def __init__(self, driver: webdriver.Chrome, base_url: str) -> None:
        self.driver = driver
        self.base = base_url.rstrip("/")

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def text(self, css: str) -> str:
        return self.find(css).text

    def wait(self, condition: Callable[[webdriver.Chrome], Any], timeout: float = 15) -> Any:
        # a page that reloads under the condition (a form posted) makes its elements stale: ask again
        ignored = (NoSuchElementException, StaleElementReferenceException)
        waiter = WebDriverWait(self.driver, timeout, poll_frequency=0.05, ignored_exceptions=ignored)
        return waiter.until(condition)

    def wait_for(self, css: str, timeout: float = 15) -> WebElement:
        found: WebElement = self.wait(lambda d: d.find_element(By.CSS_SELECTOR, css), timeout)
        return found

    def login(self, username: str, password: str) -> None:
        self.open("/login")
        self.find("input[name=username]").send_keys(username)
        self.find("input[name=password]").send_keys(password)
        self.find("form button[type=submit], form input[type=submit]").click()
        self.wait(lambda d: "/login" not in d.current_url)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path
