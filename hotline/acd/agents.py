"""Agent state in the database: one function changes it, and every change is logged."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.acd import queuelog
from hotline.acd.states import LOGGED_OUT, PAUSED, Move, plan
from hotline.db.base import utcnow
from hotline.db.models import Agent, AgentSkill, AgentStateChange, Queue
from hotline.routing.schema import CODE_PATTERN
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
    penalties: tuple[int, ...] = ()  # per queue, in the order of `queues`; 0 when not given

    def penalty(self, queue: str) -> int:
        """The member penalty in `queue`: the agent's level in the queue's skill (0 is the best)."""
        index = self.queues.index(queue)
        return self.penalties[index] if index < len(self.penalties) else 0

    @property
    def member(self) -> bool:
        return self.state != LOGGED_OUT

    @property
    def paused(self) -> bool:
        return self.state == PAUSED


def interface(agent: Agent) -> str:
    return f"PJSIP/{agent.endpoint}"


def queue_penalties(session: Session, agent: Agent, settings: Settings) -> dict[str, int]:
    """The queues an agent serves, with its penalty in each: the city default queue and its county's
    general queues at 0; its county's skill queues at its level in that skill (an agent with no
    skills recorded is a generalist: every county queue at 0)."""
    skills = dict(
        session.execute(
            select(AgentSkill.skill, AgentSkill.level).where(AgentSkill.agent_id == agent.id)
        ).all()
    )
    found = {settings.default_queue: 0}
    if agent.county_id is not None:
        for name, skill in session.execute(
            select(Queue.name, Queue.skill).where(Queue.county_id == agent.county_id)
        ):
            if skill is None or not skills:
                found[name] = 0
            elif skill in skills:
                found[name] = skills[skill]
    return dict(sorted(found.items()))


def agent_queues(session: Session, agent: Agent, settings: Settings) -> list[str]:
    """The names of the queues an agent serves (queue_penalties)."""
    return list(queue_penalties(session, agent, settings))


def set_skill(session: Session, agent: Agent, skill: str, level: int | None) -> None:
    """Give the agent `skill` at `level` (0 best .. 9), or take it away (level None)."""
    if not re.match(CODE_PATTERN, skill) or len(skill) > 32:
        raise ValueError(f"{skill!r} is not a skill code (a lowercase letter, then letters, digits or _)")
    if level is not None and not 0 <= level <= 9:
        raise ValueError(f"level {level} is not 0-9")
    row = session.scalar(select(AgentSkill).where(AgentSkill.agent_id == agent.id, AgentSkill.skill == skill))
    if level is None:
        if row is None:
            raise ValueError(f"agent {agent.name} has no skill {skill!r}")
        session.delete(row)
    elif row is None:
        session.add(AgentSkill(agent_id=agent.id, skill=skill, level=level))
    else:
        row.level = level
    session.flush()


def view(session: Session, agent: Agent, settings: Settings) -> AgentView:
    served = queue_penalties(session, agent, settings)
    return AgentView(agent.name, interface(agent), tuple(served), agent.state, agent.pause_reason,
                     tuple(served.values()))  # fmt: skip


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
