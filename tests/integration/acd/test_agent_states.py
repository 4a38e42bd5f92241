"""Agent states through real Asterisk: owned by the application, applied to app_queue, re-applied
after ari_app restarts, and a paused agent is never offered a call."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from hotline.ami import ami_session
from hotline.sipp.runner import run_call
from hotline.supervisor import until
from tests.integration.center import Center

pytestmark = pytest.mark.integration

CALLER = "13800138031"  # unknown caller: 0 at the first menu is a person, the city queue


def members(center: Center, agent: str) -> dict[str, dict[str, Any]]:
    """Queue -> this agent's member entry, from `hotline queue status --json`."""
    done = center.hotline("queue", "status", "--json")
    assert done.returncode == 0, done.stderr
    found = {}
    for queue in json.loads(done.stdout):
        for member in queue["members"]:
            if member["agent"] == agent:
                found[queue["queue"]] = member
    return found


def test_pause_keeps_calls_away_and_unpause_brings_them(center: Center) -> None:
    city = center.settings.default_queue
    with center.agent("8003") as phone:
        assert {q: m["paused"] for q, m in members(center, "8003").items()} == {"luohu": False, city: False}
        done = center.hotline("agent", "pause", "8003", "--reason", "meal")
        assert done.returncode == 0, done.stderr
        assert "ready -> paused (meal)" in done.stdout
        paused = members(center, "8003")
        assert {q: (m["paused"], m["reason"], m["state"]) for q, m in paused.items()} == {
            "luohu": (True, "meal", "paused"),
            city: (True, "meal", "paused"),
        }
        # a caller waits in the city queue while the only agent is paused: the phone never rings
        waited = run_call(center.settings, caller=CALLER, digits="0", hold_s=6)
        assert waited.ok, waited.report()
        assert phone.answered == 0, "a paused agent was offered a call"

        refused = center.hotline("agent", "unpause", "8002")
        assert refused.returncode == 2 and "agent 8002 is logged out" in refused.stderr
        assert center.hotline("agent", "unpause", "8003").returncode == 0
        answered = run_call(center.settings, caller=CALLER, digits="0", hold_s=6)
        assert answered.ok, answered.report()
        assert phone.answered == 1
    log = json.loads(center.hotline("agent", "log", "8003", "--json").stdout)
    assert [(e["to"], e["reason"], e["source"]) for e in log[-4:]] == [
        ("ready", None, "cli"),
        ("paused", "meal", "cli"),
        ("ready", None, "cli"),
        ("logged_out", None, "cli"),
    ]


def test_a_refused_change_says_why_and_changes_nothing(center: Center) -> None:
    done = center.hotline("agent", "pause", "8004")
    assert done.returncode == 2
    assert "agent 8004 is logged out; log in first" in done.stderr
    assert members(center, "8004") == {}


async def _remove_behind_the_back(center: Center, queue: str, interface: str) -> None:
    async with ami_session(center.settings) as ami:
        await ami.action({"Action": "QueueRemove", "Queue": queue, "Interface": interface})


def test_app_queue_is_brought_back_to_the_recorded_states_when_ari_app_starts(center: Center) -> None:
    city = center.settings.default_queue
    assert center.hotline("agent", "login", "8005").returncode == 0
    try:
        assert center.hotline("agent", "pause", "8005", "--reason", "training").returncode == 0
        ari_app = center.services["ari_app"]
        ari_app.stop()
        # while ari_app is down, someone takes the agent out of a queue behind the application's back
        asyncio.run(_remove_behind_the_back(center, city, "PJSIP/agent8005"))
        assert set(members(center, "8005")) == {"baoan"}
        ari_app.start()
        assert until(lambda: set(members(center, "8005")) == {"baoan", city}, 20, 0.5)
        restored = members(center, "8005")[city]
        assert (restored["paused"], restored["reason"], restored["state"]) == (True, "training", "paused")
    finally:
        center.hotline("agent", "logout", "8005")
    assert members(center, "8005") == {}
