"""Agents: lookup and listing (their states and queue membership: hotline.acd)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from hotline.acd.agents import queue_penalties
from hotline.db.models import Agent
from hotline.secrets import SecretStore
from hotline.settings import Settings


class AgentNotFound(LookupError):
    """No agent has this name or endpoint."""


def find_agent(session: Session, name: str) -> Agent:
    """An agent by its name (工号) or its SIP endpoint."""
    agent = session.scalar(
        select(Agent)
        .options(selectinload(Agent.county))
        .where(or_(Agent.name == name, Agent.endpoint == name))
    )
    if agent is None:
        raise AgentNotFound(f"no agent named {name!r}; `hotline agents list` shows them")
    return agent


def list_agents(session: Session, settings: Settings, with_secrets: bool = True) -> list[dict[str, Any]]:
    """Agents with their SIP account (the password from the 0600 secrets file)."""
    store = SecretStore.for_home(settings.home)
    rows = []
    for agent in session.scalars(select(Agent).options(selectinload(Agent.county)).order_by(Agent.name)):
        row: dict[str, Any] = {
            "name": agent.name,
            "display_name": agent.display_name,
            "role": agent.role,
            "county": agent.county.code if agent.county else None,
            "logged_in": agent.logged_in,
            "state": agent.state,
            "pause_reason": agent.pause_reason,
            "queues": queue_penalties(session, agent, settings),
            "sip": {
                "username": agent.endpoint,
                "server": f"{settings.bind_host}:{settings.sip_port}",
                "transport": "udp",
            },
        }
        if with_secrets:
            row["sip"]["password"] = store.sip_password(agent.endpoint)
        rows.append(row)
    return rows
