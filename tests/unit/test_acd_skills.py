"""Skills: which queues an agent serves and at what penalty, and `hotline agent skill`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotline.acd.agents import queue_penalties
from hotline.db.models import Agent, County, Queue
from hotline.db.session import Database
from hotline.settings import Settings
from tests.unit.clitools import cli_env, hotline


@pytest.fixture
def env(database: Database, tmp_path: Path) -> dict[str, str]:
    with database.session() as session:
        futian = County(code="futian", name_zh="福田区", name_en="Futian")
        luohu = County(code="luohu", name_zh="罗湖区", name_en="Luohu")
        session.add_all([futian, luohu])
        session.flush()
        session.add_all([
            Queue(name="city"), Queue(name="futian", county_id=futian.id),
            Queue(name="futian_repair", county_id=futian.id, skill="repair"),
            Queue(name="futian_family", county_id=futian.id, skill="family"),
            Queue(name="luohu", county_id=luohu.id),
            Agent(name="8002", display_name="李强", endpoint="agent8002", county_id=futian.id),
        ])  # fmt: skip
    return cli_env(database, tmp_path)


def penalties(database: Database) -> dict[str, int]:
    with database.session() as session:
        agent = session.query(Agent).filter_by(name="8002").one()
        return queue_penalties(session, agent, Settings(default_queue="city"))


def test_an_agent_without_skills_serves_every_queue_of_its_county_and_the_city(
    env: dict[str, str], database: Database
) -> None:
    assert penalties(database) == {"city": 0, "futian": 0, "futian_family": 0, "futian_repair": 0}


def test_skills_choose_the_skill_queues_and_set_their_penalty(
    env: dict[str, str], database: Database
) -> None:
    done = hotline(env, "agent", "skill", "8002", "repair", "3")
    assert done.exit_code == 0, done.output
    assert (
        "agent 8002: repair level 3; queues (penalty) city (0), futian (0), futian_repair (3)" in done.output
    )
    assert penalties(database) == {"city": 0, "futian": 0, "futian_repair": 3}
    assert hotline(env, "agent", "skill", "8002", "family", "0").exit_code == 0
    assert penalties(database) == {"city": 0, "futian": 0, "futian_family": 0, "futian_repair": 3}
    assert hotline(env, "agent", "skill", "8002", "repair", "1").exit_code == 0
    assert penalties(database)["futian_repair"] == 1
    [row] = json.loads(hotline(env, "agents", "list", "--json").output)
    assert row["queues"] == {"city": 0, "futian": 0, "futian_family": 0, "futian_repair": 1}
    assert hotline(env, "agent", "skill", "8002", "family", "--remove").exit_code == 0
    assert penalties(database) == {"city": 0, "futian": 0, "futian_repair": 1}


def test_skill_mistakes_are_refused_clearly(env: dict[str, str]) -> None:
    cases = [
        (["8002", "repair"], "give a LEVEL 0-9, or --remove"),
        (["8002", "repair", "2", "--remove"], "give a LEVEL 0-9, or --remove"),
        (["8002", "Repair!", "2"], "'Repair!' is not a skill code"),
        (["8002", "garden", "--remove"], "agent 8002 has no skill 'garden'"),
        (["9999", "repair", "2"], "9999"),
    ]
    for args, message in cases:
        done = hotline(env, "agent", "skill", *args)
        assert done.exit_code == 2, (args, done.output)
        assert message in done.output, (args, done.output)
    assert hotline(env, "agent", "skill", "8002", "repair", "10").exit_code == 2
