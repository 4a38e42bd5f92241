"""Agent state rules (hotline.acd.states) and their record in the database (hotline.acd.agents)."""

from __future__ import annotations

import pytest

from hotline.acd import agents as acd
from hotline.acd.states import ACTIONS, LOGGED_OUT, PAUSED, READY, STATES, WRAPUP, AgentStateError, plan
from hotline.db.models import Agent, County, Queue
from hotline.db.session import Database
from hotline.settings import Settings

LEGAL = {
    ("login", LOGGED_OUT): READY,
    ("logout", READY): LOGGED_OUT,
    ("logout", PAUSED): LOGGED_OUT,
    ("logout", WRAPUP): LOGGED_OUT,
    ("pause", READY): PAUSED,
    ("pause", WRAPUP): PAUSED,
    ("pause", PAUSED): PAUSED,
    ("unpause", PAUSED): READY,
    ("unpause", WRAPUP): READY,
    ("call_end", READY): WRAPUP,
    ("wrapup_end", WRAPUP): READY,
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("state", STATES)
def test_every_action_from_every_state_is_either_the_legal_move_or_refused(action: str, state: str) -> None:
    expected = LEGAL.get((action, state))
    if expected is None:
        with pytest.raises(AgentStateError, match="agent 8001"):
            plan("8001", state, action)
    else:
        assert plan("8001", state, action).after == expected


def test_refusals_say_what_to_do() -> None:
    with pytest.raises(AgentStateError, match="logged out; log in first"):
        plan("8001", LOGGED_OUT, "pause")
    with pytest.raises(AgentStateError, match="already logged in"):
        plan("8001", READY, "login")
    with pytest.raises(AgentStateError, match="unknown pause reason 'nap'"):
        plan("8001", READY, "pause", "nap")
    with pytest.raises(AgentStateError, match="unknown action"):
        plan("8001", READY, "dance")


def test_a_pause_without_a_reason_gets_the_default_and_unpause_takes_none() -> None:
    assert plan("8001", READY, "pause").reason == "break"
    with pytest.raises(AgentStateError, match="a reason goes with pause or logout"):
        plan("8001", PAUSED, "unpause", "meal")


def test_changes_are_recorded_with_reason_and_source_and_views_follow(database: Database) -> None:
    settings = Settings(database_url=database.url, default_queue="city")
    with database.session() as session:
        county = County(code="futian", name_zh="福田区", name_en="Futian")
        session.add(county)
        session.flush()
        session.add_all([Queue(name="futian", county_id=county.id), Queue(name="city")])
        session.add(Agent(name="8001", display_name="A", endpoint="agent8001", county_id=county.id))
    with database.session() as session:
        agent = session.query(Agent).one()
        assert acd.view(session, agent, settings).member is False
        acd.change_state(session, agent, "login", None, "cli")
        acd.change_state(session, agent, "pause", "meal", "console")
        acd.change_state(session, agent, "pause", "training", "console")  # a new reason is a change
        view = acd.view(session, agent, settings)
        assert (view.queues, view.member, view.paused, view.pause_reason) == (
            ("city", "futian"), True, True, "training")  # fmt: skip
        acd.change_state(session, agent, "unpause", None, "cli")
        assert agent.pause_reason is None
        with pytest.raises(AgentStateError):
            acd.change_state(session, agent, "unpause", None, "cli")
    with database.session() as session:
        agent = session.query(Agent).one()
        log = [(c.from_state, c.to_state, c.reason, c.source) for c in acd.state_log(session, agent)]
    assert log == [
        (LOGGED_OUT, READY, None, "cli"),
        (READY, PAUSED, "meal", "console"),
        (PAUSED, PAUSED, "training", "console"),
        (PAUSED, READY, None, "cli"),
    ]
