"""Queue accounting through real Asterisk: app_queue's queue_log becomes queue events and call
fields (queue, wait, agent, talk time, outcome), and the events of a run add up to its calls."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hotline.sipp.runner import run_call
from tests.integration.center import Center

pytestmark = pytest.mark.integration

CALLER = "13800138041"  # unknown caller: 0 at the first menu is a person, the city queue


def queue_log(center: Center, *args: str) -> list[dict[str, Any]]:
    done = center.hotline("queue", "log", "--json", *args)
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def outcome(call: dict[str, Any], verb: str) -> bool:
    return bool(call["caller_number"] == CALLER and call["queue_outcome"] == verb)


def test_answered_and_abandoned_calls_are_accounted_and_add_up(center: Center) -> None:
    city = center.settings.default_queue
    before = {r["call"] for r in queue_log(center) if r["call"]}
    with center.agent("8006") as phone:
        answered = run_call(center.settings, caller=CALLER, digits="0", hold_s=8)
        assert answered.ok, answered.report()
        assert phone.answered == 1
        assert center.hotline("agent", "pause", "8006", "--reason", "meal").returncode == 0
        abandoned = run_call(center.settings, caller=CALLER, digits="0", hold_s=14)  # ~4 s in the queue
        assert abandoned.ok, abandoned.report()
    talked = center.wait_call(lambda c: outcome(c, "COMPLETECALLER"))
    left = center.wait_call(lambda c: outcome(c, "ABANDON"))
    assert (talked["queue"], talked["agent"], talked["disposition"]) == (city, "8006", "answered")
    assert talked["wait_seconds"] is not None and 0 <= talked["wait_seconds"] <= 3
    assert talked["queue_talk_seconds"] is not None
    assert abs(talked["queue_talk_seconds"] - talked["talk_seconds"]) <= 1
    assert [r["status"] for r in talked["recordings"]] == ["ok"]
    assert (left["queue"], left["agent"], left["disposition"]) == (city, None, "abandoned")
    assert left["wait_seconds"] is not None and 1 <= left["wait_seconds"] <= 14

    events = [r for r in queue_log(center) if r["call"] not in before]
    mine = {talked["uid"]: [], left["uid"]: []}  # type: dict[str, list[str]]
    for r in events:
        if r["call"] in mine:
            mine[r["call"]].append(r["event"])
    assert mine[talked["uid"]] == ["ENTERQUEUE", "CONNECT", "COMPLETECALLER"]
    assert mine[left["uid"]] == ["ENTERQUEUE", "ABANDON"]
    logins = [(r["event"], r["agent"]) for r in events if r["source"] == "hotline"]
    assert ("AGENTLOGIN", "8006") in logins and ("AGENTLOGOFF", "8006") in logins
    assert any(r["event"] == "PAUSE" and r["agent"] == "8006" for r in events)

    text = center.hotline("queue", "log")
    assert text.returncode == 0, text.stderr
    assert text.stdout.rstrip().splitlines()[-1].endswith("still open; adds up")
