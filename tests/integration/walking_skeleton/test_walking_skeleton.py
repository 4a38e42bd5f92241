"""A caller dials the hotline, an agent's phone answers, the talk is recorded, the call is listed."""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from hotline.sipp.runner import run_call
from tests.integration.center import Center

pytestmark = pytest.mark.integration

CALLER = "13800138021"  # unknown caller: 0 at the first menu is a person (the city queue)


def rms(path: Path) -> float:
    out = subprocess.run(["sox", str(path), "-n", "stat"], capture_output=True, text=True).stderr
    line = next(x for x in out.splitlines() if x.startswith("RMS     amplitude"))
    return float(line.split(":")[1])


def test_hotline_call_is_answered_recorded_and_listed(center: Center) -> None:
    with center.agent("8001") as phone:
        result = run_call(center.settings, caller=CALLER, digits="0", hold_s=8)
        assert result.ok, result.report()
        assert phone.answered >= 1
    call = center.wait_call(lambda c: c["caller_number"] == CALLER and bool(c["recordings"]))

    assert call["dialed_number"] == center.settings.hotline_numbers[0]
    assert call["via"] == "ari"
    assert call["queue"] == center.settings.default_queue
    assert call["agent"] == "8001"
    assert call["disposition"] == "answered"
    answered = datetime.fromisoformat(call["answered_at"])
    ended = datetime.fromisoformat(call["ended_at"])
    assert datetime.fromisoformat(call["entered_at"]) < answered < ended

    rec = call["recordings"][0]
    path = Path(rec["path"])
    assert path.is_relative_to(center.settings.recordings_dir)
    assert path.name == f"{call['uid']}.wav"
    assert rec["status"] == "ok"
    assert abs(rec["duration_s"] - call["talk_seconds"]) <= 1.0
    assert rec["size_bytes"] == path.stat().st_size
    assert rec["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert rms(path) > 0.01, "the recording holds silence, not the caller's audio"

    listed = json.loads(center.hotline("calls", "list", "--json").stdout)
    assert listed[0]["uid"] == call["uid"]


def test_logged_out_agent_leaves_the_queue(center: Center) -> None:
    with center.agent("8002"):
        assert "agent8002" in center.cli(f"queue show {center.settings.default_queue}")
    assert "agent8002" not in center.cli(f"queue show {center.settings.default_queue}")
    agents = json.loads(center.hotline("agents", "list", "--json").stdout)
    assert [a["logged_in"] for a in agents if a["name"] == "8002"] == [False]
