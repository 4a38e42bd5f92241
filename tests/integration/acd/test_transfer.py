"""Transfer and pickup on real Asterisk: blind and attended transfer to a colleague, and pickup of a
call ringing at a colleague's phone; the call keeps one id (one row, one recording) over all its legs."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from hotline.sipp.runner import AgentPhone, start_call
from tests.integration.center import Center

pytestmark = pytest.mark.integration


def answered_call(center: Center, caller: str) -> dict[str, Any]:
    return center.wait_call(lambda c: c["caller_number"] == caller and bool(c["answered_at"]), 30)


def ended_call(center: Center, caller: str) -> dict[str, Any]:
    return center.wait_call(lambda c: c["caller_number"] == caller and bool(c["recordings"]), 30)


@pytest.mark.parametrize("attended", [False, True], ids=["blind", "attended"])
def test_a_transferred_call_keeps_its_id_its_row_and_its_recording(center: Center, attended: bool) -> None:
    caller = "13800138091" if attended else "13800138092"
    # the first agent hangs up 12 s after answering: that completes an attended transfer
    first_talk = 12000 if attended else 0
    with center.agent("8001", talk_ms=first_talk), AgentPhone(center.settings, "agent8003") as colleague:
        call = start_call(center.settings, caller=caller, digits="0", hold_s=30)
        uid = answered_call(center, caller)["uid"]
        time.sleep(2)
        args = ["calls", "transfer", uid, "8003"] + (["--attended"] if attended else [])
        done = center.hotline(*args)
        assert done.returncode == 0, done.stderr
        assert call.wait().ok
        assert colleague.answered == 1
    row = ended_call(center, caller)
    assert row["uid"] == uid and row["agent"] == "8003"
    assert [leg["agent"] for leg in row["legs"]] == ["8001", "8003"]
    [recording] = row["recordings"]
    assert recording["status"] == "ok" and abs(recording["duration_s"] - row["talk_seconds"]) <= 1.0


def test_an_agent_picks_up_a_call_ringing_at_a_colleagues_phone(center: Center) -> None:
    caller = "13800138093"
    with (
        center.agent("8003", ring_ms=60000),  # rings on, never answers
        AgentPhone(center.settings, "agent8005") as picker,  # not in the queue
    ):
        call = start_call(center.settings, caller=caller, digits="0", hold_s=30)
        time.sleep(11)  # in the city queue, ringing 8003's phone
        done = center.hotline("calls", "pickup", "8005", "--from", "8003")
        assert done.returncode == 0, done.stderr
        assert call.wait().ok
        assert picker.answered == 1
    row = ended_call(center, caller)
    assert row["agent"] == "8005" and [leg["agent"] for leg in row["legs"]] == ["8005"]
    assert row["recordings"][0]["status"] == "ok"


def test_a_call_sent_to_a_queue_waits_there_for_its_agent_and_keeps_both_recordings(center: Center) -> None:
    caller = "13800138094"
    with center.agent("8001"), center.agent("8003"):  # 8003 serves Luohu's queue, not the city's
        placed = time.monotonic()
        call = start_call(center.settings, caller=caller, digits="0", hold_s=30)
        uid = answered_call(center, caller)["uid"]
        time.sleep(3)
        refused = center.hotline("calls", "transfer", uid, "queue:luohu", "--attended")
        assert refused.returncode != 0 and "blind transfer" in refused.stderr
        done = center.hotline("calls", "transfer", uid, "queue:luohu")
        assert done.returncode == 0, done.stderr
        assert "queue luohu" in done.stdout
        transferred = time.monotonic() - placed  # the first talk ended within this
        assert call.wait().ok
    row = center.wait_call(lambda c: c["caller_number"] == caller and len(c["recordings"]) == 2, 30)
    assert row["uid"] == uid and row["agent"] == "8003" and row["queue"] == "luohu"
    assert [leg["agent"] for leg in row["legs"]] == ["8001", "8003"]
    first, second = row["recordings"]
    assert first["path"] != second["path"] and {first["status"], second["status"]} == {"ok"}
    # the talk with 8001: from its answer to the transfer (after the 3 s above and two CLI runs)
    assert 2.0 <= first["duration_s"] <= transferred
    # both parts together are the talk time app_queue accounted (with 8001, then with 8003)
    assert abs(first["duration_s"] + second["duration_s"] - row["talk_seconds"]) <= 1.5
    log = center.hotline("queue", "log", "--json")
    assert log.returncode == 0, log.stderr
    events = [(e["queue"], e["event"]) for e in json.loads(log.stdout) if e["call"] == uid]
    # app_queue may log the new queue's ENTERQUEUE before the first one's BLINDTRANSFER (same second)
    assert [e for q, e in events if q == "city"] == ["ENTERQUEUE", "CONNECT", "BLINDTRANSFER"]
    assert [e for q, e in events if q == "luohu"] == ["ENTERQUEUE", "CONNECT", "COMPLETECALLER"]
