"""The center's whole loop in real headless Chromium through real Asterisk: a member calls, the
intake agent's desk pops, the agent opens a ticket from the call; a dispatcher dispatches it to a
merchant who accepts; the return-visit agent records the contact check and the final visit, which
closes it; the call's recording plays on the ticket page. Screenshots of the desk and the ticket
page are saved for the README (docs/screenshots)."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.support.ui import Select

from hotline.sipp.runner import AgentPhone, start_call
from tests.integration.center import Center
from tests.integration.console.browser import Browser
from tests.integration.console.conftest import console_user

pytestmark = pytest.mark.integration

MEMBER = "13800138002"  # 吴先生 of Luohu, a demo member
AGENT = "8003"  # Luohu's agent


def status(browser: Browser) -> str:
    return str(browser.find("#ticket-status").get_attribute("data-status"))


def act(browser: Browser, action: str) -> None:
    """Submit the ticket page's form of `action` and wait for the page it leads to."""
    old = browser.find("#ticket-status")
    browser.find(f"#do-{action}").click()
    browser.wait(lambda d: old != browser.find("#ticket-status") or not old.is_displayed())


def switch_user(browser: Browser, username: str, password: str) -> None:
    browser.find("#logout").click()
    browser.wait(lambda d: "/login" in d.current_url)
    browser.login(username, password)


def test_a_call_becomes_a_ticket_that_is_dispatched_return_visited_and_closed(
    center: Center, browser: Browser
) -> None:
    password = console_user(center, "wangfang", "--role", "intake", "--agent", AGENT, "--name", "王芳")
    console_user(center, "dispatch1", "--role", "dispatcher", "--name", "派单员")
    console_user(center, "visit1", "--role", "visitor", "--name", "回访员")
    browser.login("wangfang", password)
    browser.open("/desk/")
    if browser.find("#agent-state").get_attribute("data-state") == "logged_out":
        browser.find("#go-login").click()
    try:
        ticket_path = take_the_call(center, browser)
    finally:
        center.hotline("agent", "logout", AGENT)
    number = browser.text("#ticket-number")
    assert re.fullmatch(r"\d{8}-\d{4,}", number) and status(browser) == "new"

    switch_user(browser, "dispatch1", password)
    browser.open(ticket_path)
    merchant = Select(browser.find("select#merchant"))
    assert merchant.first_selected_option.text  # candidates serve family.cleaning in Luohu
    act(browser, "dispatch")
    assert status(browser) == "dispatched"
    act(browser, "accept")
    assert status(browser) == "accepted"
    assert len(browser.driver.find_elements("css selector", "#visits tbody tr")) == 2  # +10 min, +24 h

    switch_user(browser, "visit1", password)
    browser.open(ticket_path)
    act(browser, "confirm_contact")
    assert status(browser) == "in_service"
    Select(browser.find("#satisfaction")).select_by_value("5")
    browser.find("#timely-yes").click()
    browser.find("#fee-paid-yes").click()
    act(browser, "final_visit")
    assert status(browser) == "closed"
    timeline = browser.text("ol#timeline")
    for who in ("王芳", "派单员", "回访员"):
        assert who in timeline

    # the call's recording plays in the browser (range requests), for a role allowed to hear it
    audio = browser.wait_for("audio.recording")
    browser.driver.execute_script("arguments[0].muted = true; arguments[0].play();", audio)
    browser.wait(lambda d: d.execute_script("return arguments[0].currentTime", audio) > 0.5, 15)
    assert browser.driver.execute_script("return arguments[0].error", audio) is None
    assert browser.driver.execute_script("return arguments[0].duration", audio) > 3
    browser.driver.execute_script("arguments[0].pause(); window.scrollTo(0, 0);", audio)
    browser.screenshot("ticket")


def take_the_call(center: Center, browser: Browser) -> str:
    """Answer the member's call on the desk and open a service ticket from the pop; its page's path."""
    browser.wait(lambda d: browser.find("#agent-state").get_attribute("data-state") == "ready")
    browser.wait(lambda d: d.execute_script("return document.body.dataset.deskStream") == "open")
    with AgentPhone(center.settings, f"agent{AGENT}", ring_ms=3000, talk_ms=8000) as phone:
        call = start_call(center.settings, caller=MEMBER, digits="0", hold_s=30)
        browser.wait(lambda d: browser.find("#pop").get_attribute("data-kind") == "ring", 40)
        assert browser.text("#pop-member-name") == "吴先生"
        browser.screenshot("desk")
        browser.wait(lambda d: browser.find("#pop").get_attribute("data-kind") == "answer", 15)
        browser.find("#pop-open-ticket").click()
        browser.wait_for("#ticket-form")
        Select(browser.find("#type")).select_by_value("service")
        Select(browser.find("#category")).select_by_value("family.cleaning")
        summary = browser.find("#summary")
        summary.clear()
        summary.send_keys("每周保洁两次 <b>急</b>")
        browser.find("#open-ticket").click()
        browser.wait_for("#ticket-number")
        assert call.wait().ok and phone.answered == 1
    path = browser.driver.current_url.split(browser.base, 1)[1]
    # the recording is kept when the call ends: the ticket page then lists it
    center.wait_call(lambda c: c["caller_number"] == MEMBER and bool(c["recordings"]), 30)
    browser.open(path)
    assert browser.text("#ticket-summary") == "每周保洁两次 <b>急</b>"  # shown as text, not HTML
    return path
