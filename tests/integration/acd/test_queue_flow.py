"""What a waiting caller lives through, on real Asterisk: announcements in their language, overflow to
the city queue after the county's wait, and a message when nobody is logged in."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from hotline.services.messages import pending_messages
from hotline.sipp.runner import run_call, start_call
from tests.integration.center import REPO, Center

pytestmark = pytest.mark.integration

DEMO_ROUTING = REPO / "hotline" / "routing" / "demo.yaml"


@contextmanager
def routing(center: Center, tmp_path: Path, change: dict[str, Any]) -> Iterator[None]:
    """The demo routing with `change` applied to futian, live for the block (then the demo again)."""
    data = yaml.safe_load(DEMO_ROUTING.read_text())
    futian = next(c for c in data["counties"] if c["code"] == "futian")
    futian.update(change)
    path = tmp_path / "routing.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    try:
        loaded = center.hotline("routing", "load", str(path))
        assert loaded.returncode == 0, loaded.stderr
        time.sleep(6)  # ari_app re-reads the routing table every 5 s
        yield
    finally:
        restored = center.hotline("routing", "load", str(DEMO_ROUTING))
        assert restored.returncode == 0, restored.stderr
        time.sleep(6)


def played(center: Center, since: int) -> str:
    """What Asterisk's messages.log says was played since byte `since`."""
    log = center.runtime.host_path(center.runtime.directories()["astlogdir"] + "/messages.log")
    with log.open("rb") as fh:
        fh.seek(since)
        return fh.read().decode("utf-8", "replace")


def log_size(center: Center) -> int:
    log = center.runtime.host_path(center.runtime.directories()["astlogdir"] + "/messages.log")
    return log.stat().st_size


def test_nobody_logged_in_the_caller_leaves_a_message_for_the_next_agent(center: Center) -> None:
    caller = "13800138051"  # unknown: 0 is the city queue, where nobody is logged in
    done = run_call(center.settings, caller=caller, digits="0", hold_s=30)
    assert done.ok, done.report()
    row = center.wait_call(lambda c: c["caller_number"] == caller and c["disposition"] == "message", 30)
    assert row["queue"] == center.settings.default_queue
    with center.database.session() as session:
        [message] = [m for m in pending_messages(session) if m.call_id == row["id"]]
        assert message.queue_name == center.settings.default_queue
        assert message.duration_s is not None and message.duration_s >= 3, message.duration_s
        assert Path(message.path).is_file()
        assert Path(message.path).is_relative_to(center.settings.recordings_dir / "messages")


def test_waiting_callers_hear_their_place_in_their_language_then_overflow_to_the_city(
    center: Center, tmp_path: Path
) -> None:
    city = center.settings.default_queue
    change = {"overflow": {"queue": city, "after": 14}, "queues": [{"name": "futian", "announce_every": 15}]}
    with routing(center, tmp_path, change):
        # futian's only agent is paused: callers wait there (a paused agent keeps the queue open)
        assert center.hotline("agent", "login", "8002").returncode == 0
        try:
            assert center.hotline("agent", "pause", "8002", "--reason", "meeting").returncode == 0
            with center.agent("8003") as phone:  # luohu: serves the city queue, not futian
                since = log_size(center)
                first = start_call(center.settings, caller="075583006001", digits="9,0", hold_s=34)  # English
                time.sleep(3)
                second = start_call(center.settings, caller="075583006002", digits="0", hold_s=26)  # Mandarin
                assert first.wait().ok and second.wait().ok
                assert phone.answered >= 1
        finally:
            center.hotline("agent", "logout", "8002")
    text = played(center, since)
    assert re.search(r"Playing 'hotline/queue_you_are_next\.\w+' \(language 'en'\)", text), text[-3000:]
    # the second caller, second in line, hears 您现在排在第 二 位 from Mandarin files
    assert re.search(r"Playing 'hotline/queue_there_are\.\w+' \(language 'zh'\)", text), text[-3000:]
    assert re.search(r"Playing 'digits/2\.\w+' \(language 'zh'\)", text), text[-3000:]
    overflowed = center.wait_call(
        lambda c: c["caller_number"] == "075583006001" and c["queue_outcome"] is not None
    )
    assert (overflowed["queue"], overflowed["agent"], overflowed["language"]) == (city, "8003", "en")
    assert overflowed["wait_seconds"] is not None and overflowed["wait_seconds"] >= 14
    events = [r["event"] + ":" + r["queue"] for r in center_events(center, overflowed["uid"])]
    assert events[:4] == [
        "ENTERQUEUE:futian",
        "EXITWITHTIMEOUT:futian",
        f"ENTERQUEUE:{city}",
        f"CONNECT:{city}",
    ]


def center_events(center: Center, uid: str) -> list[dict[str, Any]]:
    import json

    done = center.hotline("queue", "log", "--json")
    assert done.returncode == 0, done.stderr
    return [r for r in json.loads(done.stdout) if r["call"] == uid]
