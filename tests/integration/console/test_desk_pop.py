"""The desk in real headless Chromium through real Asterisk: an agent logs in, goes ready, a SIPp
call rings the agent's SIPp phone and the desk pops the caller's member record and IVR path."""

from __future__ import annotations

import pytest

from hotline.sipp.runner import AgentPhone, start_call
from tests.integration.center import Center
from tests.integration.console.browser import Browser
from tests.integration.console.conftest import console_user

pytestmark = pytest.mark.integration

MEMBER = "13800138002"  # 吴先生 of Luohu, a demo member; his number routes to Luohu (member)


def test_a_ringing_call_pops_the_member_and_ivr_path_on_the_agents_desk(
    center: Center, browser: Browser
) -> None:
    password = console_user(center, "wangfang", "--role", "intake", "--agent", "8003", "--name", "王芳")
    browser.login("wangfang", password)
    browser.open("/desk/")
    assert browser.find("#agent-state").get_attribute("data-state") == "logged_out"
    browser.find("#go-login").click()
    try:
        take_a_call(center, browser)
    finally:
        center.hotline("agent", "logout", "8003")


def take_a_call(center: Center, browser: Browser) -> None:
    browser.wait(lambda d: browser.find("#agent-state").get_attribute("data-state") == "ready")
    browser.wait(lambda d: d.execute_script("return document.body.dataset.deskStream") == "open")
    with AgentPhone(center.settings, "agent8003", ring_ms=6000, talk_ms=3000) as phone:
        call = start_call(center.settings, caller=MEMBER, digits="0", hold_s=20)
        browser.wait(lambda d: not browser.find("#pop").get_attribute("hidden"), 40)
        assert browser.text("#pop-caller") == MEMBER
        assert browser.text("#pop-member-name") == "吴先生"
        assert "0" in browser.text("#pop-ivr")
        assert browser.find("#pop").get_attribute("data-kind") == "ring"
        browser.screenshot("desk")
        browser.wait(lambda d: browser.find("#pop").get_attribute("data-kind") == "answer", 15)
        assert call.wait().ok
        assert phone.answered == 1
    kinds = [e["kind"] for e in browser.driver.execute_script("return window.deskLog")]
    assert kinds[:2] == ["ring", "answer"]
