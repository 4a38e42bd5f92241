"""Desk events into the database: the console streams them to the agent's browser from there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db.console_models import DeskEvent
from hotline.db.models import Agent, Call

RING, ANSWER, END = "ring", "answer", "end"


@dataclass(frozen=True)
class Ring:
    """What happened at an agent's phone: `kind` (ring | answer | end) of call `uid` at `at`."""

    endpoint: str
    uid: str | None
    kind: str
    at: datetime
    channel: str
    data: dict[str, object] = field(default_factory=dict)


def agent_endpoints(session: Session) -> dict[str, int]:
    """SIP endpoint -> agent id, for every agent of the center."""
    return {endpoint: agent_id for endpoint, agent_id in session.execute(select(Agent.endpoint, Agent.id))}


def store(session: Session, agents: dict[str, int], rings: Sequence[Ring]) -> list[int]:
    """Add a DeskEvent per ring of a known agent; the ids of the agents concerned."""
    uids = {r.uid for r in rings if r.uid}
    calls = (
        dict(session.execute(select(Call.uid, Call.id).where(Call.uid.in_(uids))).tuples().all())
        if uids
        else {}
    )
    touched = []
    for ring in rings:
        agent_id = agents.get(ring.endpoint)
        if agent_id is None:
            continue
        data = {"uid": ring.uid, "channel": ring.channel, **ring.data}
        call_id = calls.get(ring.uid or "")
        session.add(DeskEvent(at=ring.at, agent_id=agent_id, call_id=call_id, kind=ring.kind, data=data))
        touched.append(agent_id)
    return touched
