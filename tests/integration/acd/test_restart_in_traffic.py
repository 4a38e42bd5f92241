"""ari_app restarted while calls are up: the agents keep their states, calls already with an agent
go on, calls still in the IVR are handed back to the dialplan, and no channel is stranded."""

from __future__ import annotations

import json
import time

import pytest

from hotline.sipp.runner import start_call
from hotline.supervisor import until
from tests.integration.center import Center

pytestmark = pytest.mark.integration


def test_ari_app_restart_during_traffic_keeps_agent_states_and_strands_nothing(center: Center) -> None:
    callers = [f"1380013810{i}" for i in range(4)]  # unknown callers: 0 is the city queue
    assert center.hotline("agent", "login", "8002").returncode == 0
    try:
        assert center.hotline("agent", "pause", "8002", "--reason", "training").returncode == 0
        with center.agent("8001") as phone:
            talking = start_call(center.settings, caller=callers[0], digits="0", hold_s=30)
            center.wait_call(lambda c: c["caller_number"] == callers[0] and bool(c["answered_at"]), 30)
            in_ivr = [
                start_call(center.settings, caller=c, digits="0", delay_s=8.0, hold_s=25) for c in callers[1:]
            ]
            time.sleep(2)  # the three are in the welcome prompt, in ari_app's hands
            ari_app = center.services["ari_app"]
            ari_app.stop()
            ari_app.start()
            for proc in [talking, *in_ivr]:
                result = proc.wait()
                assert result.ok, result.report()
            assert phone.answered >= 1
        status = json.loads(center.hotline("queue", "status", "--json").stdout)
        paused = {q["queue"]: m for q in status for m in q["members"] if m["agent"] == "8002"}
        assert paused and all(m["paused"] and m["reason"] == "training" for m in paused.values())
    finally:
        center.hotline("agent", "logout", "8002")
    assert until(lambda: center.active_channels() == 0, 20)
    rows = {c["caller_number"]: c for c in center.calls() if c["caller_number"] in callers}
    assert set(rows) == set(callers)
    assert all(r["ended_at"] for r in rows.values()), rows
    assert rows[callers[0]]["agent"] == "8001" and rows[callers[0]]["recordings"][0]["status"] == "ok"
