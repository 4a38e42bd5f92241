"""Agents: lookup, listing, and queue membership (login/logout through AMI)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from hotline.ami import Ami
from hotline.db.base import utcnow
from hotline.db.models import Agent, Queue
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


def agent_queues(session: Session, agent: Agent, settings: Settings) -> list[str]:
    """The queues an agent serves: its county's queues and the city default queue."""
    names = {settings.default_queue}
    if agent.county_id is not None:
        names.update(session.scalars(select(Queue.name).where(Queue.county_id == agent.county_id)))
    return sorted(names)


def interface(agent: Agent) -> str:
    return f"PJSIP/{agent.endpoint}"


async def queue_login(ami: Ami, agent: Agent, queues: list[str]) -> None:
    """Add the agent's endpoint to each queue (an agent already a member stays one)."""
    for queue in queues:
        try:
            await ami.action(
                {
                    "Action": "QueueAdd",
                    "Queue": queue,
                    "Interface": interface(agent),
                    "StateInterface": interface(agent),
                    "MemberName": agent.name,
                    "Penalty": 0,
                }
            )
        except Exception as exc:  # "Unable to add interface: Already there" is a success for us
            if "Already there" not in str(exc):
                raise


async def queue_logout(ami: Ami, agent: Agent, queues: list[str]) -> None:
    for queue in queues:
        try:
            await ami.action({"Action": "QueueRemove", "Queue": queue, "Interface": interface(agent)})
        except Exception as exc:
            if "Not there" not in str(exc):
                raise


def set_logged_in(session: Session, agent: Agent, value: bool) -> None:
    agent.logged_in = value
    agent.state_changed_at = utcnow()
    session.add(agent)


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
            "queues": agent_queues(session, agent, settings),
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
