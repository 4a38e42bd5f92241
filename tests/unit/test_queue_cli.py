"""`hotline queue status` and `hotline agent` against a fake manager: text, JSON and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotline.acd.queues import Member, QueueState, Waiting
from hotline.cli import queues as queue_cli
from hotline.db.models import Agent
from hotline.db.session import Database
from hotline.settings import Settings
from tests.unit.clitools import cli_env, hotline


@pytest.fixture
def env(database: Database, tmp_path: Path) -> dict[str, str]:
    with database.session() as session:
        session.add(Agent(name="8001", display_name="张敏", endpoint="agent8001", state="paused",
                          pause_reason="meal"))  # fmt: skip
    return cli_env(database, tmp_path)


async def fake_status(settings: Settings) -> dict[str, QueueState]:
    city = QueueState("city", "rrmemory", 1, 5, 2)
    city.members.append(Member("city", "PJSIP/agent8001", "8001", True, "meal", False, 3, 1, 0))
    city.waiting.append(Waiting("city", 1, "PJSIP/carrier-0001", "075583001", 14))
    return {"city": city}


def test_queue_status_shows_members_with_their_recorded_state_and_the_waiting(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_cli, "_status", fake_status)
    text = hotline(env, "queue", "status")
    assert text.exit_code == 0, text.output
    assert "city (rrmemory): 1 waiting, 5 completed, 2 abandoned" in text.output
    assert "8001" in text.output and "paused (meal)" in text.output and "3 calls" in text.output
    assert "#1 075583001 waiting 14 s" in text.output
    [row] = json.loads(hotline(env, "queue", "status", "--json").output)
    assert row["members"][0]["agent"] == "8001" and row["members"][0]["state"] == "paused"
    assert row["waiting"][0]["wait_s"] == 14


def test_agent_changes_that_the_state_refuses_exit_2_and_touch_nothing(env: dict[str, str]) -> None:
    done = hotline(env, "agent", "login", "8001")
    assert done.exit_code == 2
    assert "agent 8001 is already logged in (paused)" in done.output
    assert hotline(env, "agent", "pause", "8001", "--reason", "nap").exit_code == 2
    assert json.loads(hotline(env, "agent", "log", "8001", "--json").output) == []


def test_a_change_asterisk_cannot_hear_is_kept_and_said(env: dict[str, str]) -> None:
    env = {**env, "HOTLINE_AMI_PORT": "1"}  # nothing listens there
    done = hotline(env, "agent", "unpause", "8001")
    assert done.exit_code == 2
    assert "agent 8001 is now ready (recorded), but Asterisk was not told" in done.output
    [change] = json.loads(hotline(env, "agent", "log", "8001", "--json").output)
    assert (change["from"], change["to"], change["source"]) == ("paused", "ready", "cli")
