"""Browser fixtures: a headless Chromium on the center's console, and console users made with the
`hotline user` command line as an admin would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.center import Center
from tests.integration.console.browser import Browser, chromium

PASSWORD = "browser-test-Pa55word"


@pytest.fixture
def browser(center: Center) -> Iterator[Browser]:
    driver = chromium()
    try:
        yield Browser(driver, center.settings.console_url)
    finally:
        driver.quit()


def console_user(center: Center, username: str, *args: str) -> str:
    """Create (or reset the password of) a console user; returns its password."""
    listed = center.hotline("user", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    if f'"{username}"' in listed.stdout:
        done = center.hotline("user", "passwd", username, "--password-stdin", stdin=PASSWORD + "\n")
    else:
        done = center.hotline("user", "add", username, *args, "--password-stdin", stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    return PASSWORD
