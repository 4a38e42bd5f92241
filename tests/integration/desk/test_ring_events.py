"""The desk's ring events through real Asterisk: ari_app follows the agents' phones and records a
ring (the phone's 180), an answer and an end, each with the call it belongs to."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from hotline.db.console_models import DeskEvent
from hotline.db.models import Agent
from hotline.sipp.runner import start_call
from hotline.supervisor import until
from tests.integration.center import Center

pytestmark = pytest.mark.integration


def desk_events(center: Center, agent: str, since: float) -> list[DeskEvent]:
    with center.database.session() as session:
        agent_id = session.scalar(select(Agent.id).where(Agent.name == agent))
        rows = session.scalars(select(DeskEvent).where(DeskEvent.agent_id == agent_id).order_by(DeskEvent.id))
        return [r for r in rows if r.at.timestamp() >= since]


def test_an_agents_phone_ringing_answering_and_hanging_up_become_desk_events_of_the_call(
    center: Center,
) -> None:
    caller = "13800138071"
    since = time.time()
    with center.agent("8001", ring_ms=1500):
        call = start_call(center.settings, caller=caller, digits="0", hold_s=14)
        assert call.wait().ok
    row = center.wait_call(lambda c: c["caller_number"] == caller and c["ended_at"] is not None, 30)
    assert until(lambda: [e.kind for e in desk_events(center, "8001", since)][-1:] == ["end"], 10)
    events = desk_events(center, "8001", since)
    assert [e.kind for e in events] == ["ring", "answer", "end"]
    assert {e.call_id for e in events} == {row["id"]}
    ring = events[0]
    assert ring.data is not None and ring.data["uid"] == row["uid"] and ring.data["caller"] == caller
    # the phone rang 1.5 s before it answered
    assert 1.2 <= (events[1].at - ring.at).total_seconds() <= 3.0
