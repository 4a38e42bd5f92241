"""Change an agent's state from a person's request (CLI, console): record it, then apply it to
app_queue through AMI. The application owns the state, so a change is kept even when Asterisk's
manager cannot be told (ari_app's keeper applies it when the manager is back)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from hotline.acd import agents as acd
from hotline.acd import queues
from hotline.acd.states import Move
from hotline.ami import AmiError, ami_session
from hotline.db.models import Agent
from hotline.db.session import Database
from hotline.services.agents import AgentNotFound, find_agent
from hotline.settings import Settings


@dataclass(frozen=True)
class Change:
    """A recorded change; `not_applied` says why Asterisk was not told (None: it was)."""

    move: Move
    view: acd.AgentView
    not_applied: str | None = None


async def apply_view(settings: Settings, view: acd.AgentView) -> None:
    """Make app_queue match one agent's view (membership, pause, penalties)."""
    async with ami_session(settings) as ami:
        await queues.apply(ami, view)


def change_agent_state(database: Database, settings: Settings, agent: str | int, action: str,
                       reason: str | None, source: str) -> Change:  # fmt: skip
    """Record `action` for the agent (by name or id) and apply it; raises AgentNotFound or
    AgentStateError (hotline.acd.states) when it cannot be done. Blocking: call it from a thread."""
    with database.session() as session:
        if isinstance(agent, int):
            found = session.get(Agent, agent)
            if found is None:
                raise AgentNotFound(f"no agent with id {agent}")
        else:
            found = find_agent(session, agent)
        move = acd.change_state(session, found, action, reason, source)
        view = acd.view(session, found, settings)
    try:
        asyncio.run(apply_view(settings, view))
    except AmiError as exc:
        return Change(move, view, str(exc))
    return Change(move, view)
