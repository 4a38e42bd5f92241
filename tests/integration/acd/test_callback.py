"""Fair callback-in-queue on real Asterisk: a caller presses 1 in the queue and hangs up; the callback
keeps their place (behind the earlier caller, ahead of the later one), is dialled once, when the agent
is free, and its outcome and recording are kept on the call."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from hotline.sipp.runner import AgentPhone, start_call
from tests.integration.center import Center
from tests.integration.conftest import CARRIER_OUT

pytestmark = pytest.mark.integration

EARLIER, ASKER, LATER = "13800138061", "13800138062", "13800138063"  # unknown: 0 is the city queue


def queue_events(center: Center) -> list[dict[str, Any]]:
    done = center.hotline("queue", "log", "--json")
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def test_a_callback_keeps_its_place_and_is_dialled_once_when_the_agent_is_free(center: Center) -> None:
    city = center.settings.default_queue
    host, port = CARRIER_OUT
    assert center.hotline("agent", "login", "8004").returncode == 0
    try:
        assert center.hotline("agent", "pause", "8004", "--reason", "meeting").returncode == 0
        with (
            AgentPhone(center.settings, "agent8004") as agent,
            AgentPhone(center.settings, "agent8006", port=port, address=host, talk_ms=6000) as citizen,
        ):
            earlier = start_call(center.settings, caller=EARLIER, digits="0", hold_s=50)
            time.sleep(3)
            # in the queue ~8 s after answering; its place announced until ~20 s (Asterisk ignores a key
            # pressed in the middle of that announcement); presses 1 at ~22 s, hears the confirmation
            # and Asterisk hangs up
            asker = start_call(center.settings, caller=ASKER, digits="0,1", pause_s=20, hold_s=40,
                               scenario="call-wait-bye")  # fmt: skip
            time.sleep(21)
            later = start_call(center.settings, caller=LATER, digits="0", hold_s=55)
            time.sleep(12)  # all three waiting: earlier, the callback's placeholder, later
            assert center.hotline("agent", "unpause", "8004").returncode == 0
            for proc in (earlier, asker, later):
                result = proc.wait()
                assert result.ok, result.report()
            assert citizen.answered == 1, "the callback was not dialled exactly once"
            assert agent.answered == 3
    finally:
        center.hotline("agent", "logout", "8004")

    asked = center.wait_call(
        lambda c: c["caller_number"] == ASKER and (c["callback"] or {}).get("status") == "answered"
    )
    assert asked["callback"]["attempts"] == 1 and asked["callback"]["position"] == 2
    legs = {r["leg"]: r for r in asked["recordings"]}
    # the agent hears that it is a callback (that prompt, echoed by the phone, is in the recording)
    assert legs["callback"]["status"] == "ok" and legs["callback"]["duration_s"] >= 2
    # app_queue served them in the order they came: the callback kept the asker's place
    connects = [r for r in queue_events(center) if r["event"] == "CONNECT" and r["queue"] == city]
    by_call = {c["uid"]: c["caller_number"] for c in center.calls()}
    order = [by_call.get(r["call"]) for r in connects][-3:]
    assert order == [EARLIER, ASKER, LATER], order
    exits = [r for r in queue_events(center) if r["event"] == "EXITWITHKEY" and r["call"] == asked["uid"]]
    assert [r["data"][0] for r in exits] == ["1"]
