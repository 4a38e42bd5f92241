"""Agent state in the database: one function changes it, and every change is logged."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.acd import queuelog
from hotline.acd.states import LOGGED_OUT, PAUSED, Move, plan
from hotline.db.base import utcnow
from hotline.db.models import Agent, AgentStateChange, Queue
from hotline.settings import Settings

SOURCES = ("cli", "console", "acd", "api")


@dataclass(frozen=True)
class AgentView:
    """What app_queue must hold for one agent: membership of `queues` (none when logged out),
    paused or not, with the reason."""

    name: str
    interface: str
    queues: tuple[str, ...]
    state: str
    pause_reason: str | None

    @property
    def member(self) -> bool:
        return self.state != LOGGED_OUT

    @property
    def paused(self) -> bool:
        return self.state == PAUSED


def interface(agent: Agent) -> str:
    return f"PJSIP/{agent.endpoint}"


def agent_queues(session: Session, agent: Agent, settings: Settings) -> list[str]:
    """The queues an agent serves: its county's queues and the city default queue."""
    names = {settings.default_queue}
    if agent.county_id is not None:
        names.update(session.scalars(select(Queue.name).where(Queue.county_id == agent.county_id)))
    return sorted(names)


def view(session: Session, agent: Agent, settings: Settings) -> AgentView:
    queues = tuple(agent_queues(session, agent, settings))
    return AgentView(agent.name, interface(agent), queues, agent.state, agent.pause_reason)


def all_views(session: Session, settings: Settings) -> list[AgentView]:
    agents = session.scalars(select(Agent).options(selectinload(Agent.county)).order_by(Agent.name))
    return [view(session, a, settings) for a in agents]


def change_state(session: Session, agent: Agent, action: str, reason: str | None, source: str) -> Move:
    """Apply `action` (hotline.acd.states.ACTIONS) to the agent's row and log it; AgentStateError
    when the current state does not allow it. Repeating a pause with another reason is a change."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    move = plan(agent.name, agent.state, action, reason)
    if move.changes:
        agent.state = move.after
        agent.pause_reason = move.reason if move.after == PAUSED else None
        agent.state_changed_at = utcnow()
        session.add(
            AgentStateChange(
                agent_id=agent.id,
                from_state=move.before,
                to_state=move.after,
                reason=move.reason,
                source=source,
            )
        )
        if LOGGED_OUT in (move.before, move.after):  # queue accounting has logins and logoffs too
            event = queuelog.AGENTLOGOFF if move.after == LOGGED_OUT else queuelog.AGENTLOGIN
            queuelog.log_agent(session, agent.name, event, [queuelog.NO_CALL], move.reason)
    return move


def state_log(session: Session, agent: Agent) -> list[AgentStateChange]:
    """An agent's changes, oldest first."""
    query = select(AgentStateChange).where(AgentStateChange.agent_id == agent.id)
    return list(session.scalars(query.order_by(AgentStateChange.at, AgentStateChange.id)))
