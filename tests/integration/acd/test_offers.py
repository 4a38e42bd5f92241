"""Who app_queue offers a call to, on real Asterisk: calls spread over the logged-in agents; an agent
in wrap-up or logged out is never offered one; an agent who does not answer gets RINGNOANSWER and
the call moves on to the next."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from hotline.sipp.runner import AgentPhone, run_call, start_call
from tests.integration.center import REPO, Center

pytestmark = pytest.mark.integration

DEMO_ROUTING = REPO / "hotline" / "routing" / "demo.yaml"


@contextmanager
def city_queue(center: Center, tmp_path: Path, **settings: Any) -> Iterator[None]:
    """The demo routing with the city queue's settings changed, for the block."""
    data = yaml.safe_load(DEMO_ROUTING.read_text())
    city = next(c for c in data["counties"] if c["code"] == "city")
    city["queues"] = [{"name": center.settings.default_queue, **settings}]
    path = tmp_path / "routing.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    try:
        loaded = center.hotline("routing", "load", str(path))
        assert loaded.returncode == 0, loaded.stderr
        yield
    finally:
        assert center.hotline("routing", "load", str(DEMO_ROUTING)).returncode == 0


@contextmanager
def seated(center: Center, agents: dict[str, dict[str, Any]]) -> Iterator[dict[str, AgentPhone]]:
    """Agents logged in, in this order, each with a SIPp phone (AgentPhone options per agent)."""
    with ExitStack() as stack:
        phones: dict[str, AgentPhone] = {}
        for name, options in agents.items():
            done = center.hotline("agent", "login", name)
            assert done.returncode == 0, done.stderr
            stack.callback(center.hotline, "agent", "logout", name)
            phones[name] = stack.enter_context(AgentPhone(center.settings, f"agent{name}", **options))
        yield phones


def events_of(center: Center, caller: str) -> list[tuple[str, str | None]]:
    done = center.hotline("queue", "log", "--json")
    assert done.returncode == 0, done.stderr
    uids = {c["uid"] for c in center.calls() if c["caller_number"] == caller}
    return [(r["event"], r["agent"]) for r in json.loads(done.stdout) if r["call"] in uids]


def accounted(call: dict[str, Any], caller: str) -> bool:
    return bool(call["caller_number"] == caller and call["queue_outcome"] is not None)


def test_calls_spread_over_the_logged_in_agents(center: Center, tmp_path: Path) -> None:
    callers = [f"1380013807{i}" for i in range(6)]  # unknown callers: 0 is the city queue
    with (
        city_queue(center, tmp_path, strategy="rrmemory"),
        seated(center, {"8001": {}, "8003": {}, "8005": {}}) as phones,
    ):
        for wave in (callers[:3], callers[3:]):
            running = [start_call(center.settings, caller=c, digits="0", hold_s=14) for c in wave]
            for proc in running:
                assert proc.wait().ok
        assert {name: p.answered for name, p in phones.items()} == {"8001": 2, "8003": 2, "8005": 2}
    for caller in callers:
        call = center.wait_call(functools.partial(accounted, caller=caller))
        assert call["agent"] in ("8001", "8003", "8005") and call["queue_outcome"] == "COMPLETECALLER"


def test_wrap_up_logged_out_and_unanswered_agents_are_passed_over(center: Center, tmp_path: Path) -> None:
    settings = {"strategy": "linear", "ring_timeout": 5, "wrapup": 15}
    with city_queue(center, tmp_path, **settings), seated(center, {"8001": {}, "8003": {}}) as phones:
        first = run_call(center.settings, caller="13800138081", digits="0", hold_s=14)
        assert first.ok and phones["8001"].answered == 1  # linear: the first agent logged in
        # 8001 is in wrap-up for 15 s after that call: the next one goes to 8003
        second = run_call(center.settings, caller="13800138082", digits="0", hold_s=12)
        assert second.ok and (phones["8001"].answered, phones["8003"].answered) == (1, 1)
        log = json.loads(center.hotline("agent", "log", "8001", "--json").stdout)
        assert ("ready", "wrapup", "acd") in [(e["from"], e["to"], e["source"]) for e in log]
        assert center.hotline("agent", "logout", "8003").returncode == 0
        time.sleep(5)  # 8001's wrap-up is over
        third = run_call(center.settings, caller="13800138083", digits="0", hold_s=12)
        assert third.ok and (phones["8001"].answered, phones["8003"].answered) == (2, 1)
    assert events_of(center, "13800138082")[:2] == [("ENTERQUEUE", None), ("CONNECT", "8003")]
    # a phone that rings on: RINGNOANSWER after the ring timeout, then the next agent answers
    with (
        city_queue(center, tmp_path, **settings),
        seated(center, {"8001": {"ring_ms": 60000}, "8003": {}}) as phones,
    ):
        fourth = run_call(center.settings, caller="13800138084", digits="0", hold_s=20)
        assert fourth.ok and phones["8003"].answered == 1
    events = events_of(center, "13800138084")
    assert ("RINGNOANSWER", "8001") in events and ("CONNECT", "8003") in events
    assert events.index(("RINGNOANSWER", "8001")) < events.index(("CONNECT", "8003"))
