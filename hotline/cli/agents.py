"""`hotline agent login|logout NAME` and `hotline agents list`."""

from __future__ import annotations

import asyncio

import click

from hotline.ami import AmiError, ami_session
from hotline.cli.common import UserError, echo_json, pass_settings
from hotline.db.session import Database
from hotline.services import agents as svc
from hotline.settings import Settings


@click.group()
def agent() -> None:
    """Put an agent in or out of its queues."""


async def _change(settings: Settings, name: str, login: bool) -> list[str]:
    database = Database(settings.db_url)
    with database.session() as session:
        ag = svc.find_agent(session, name)
        queues = svc.agent_queues(session, ag, settings)
    async with ami_session(settings) as ami:
        if login:
            await svc.queue_login(ami, ag, queues)
        else:
            await svc.queue_logout(ami, ag, queues)
    with database.session() as session:
        svc.set_logged_in(session, svc.find_agent(session, name), login)
    return queues


def _run(settings: Settings, name: str, login: bool) -> None:
    try:
        queues = asyncio.run(_change(settings, name, login))
    except (svc.AgentNotFound, AmiError) as exc:
        raise UserError(str(exc.args[0] if exc.args else exc)) from exc
    verb = "logged in to" if login else "logged out of"
    click.echo(f"agent {name} {verb} {', '.join(queues)}")


@agent.command()
@click.argument("name")
@pass_settings
def login(settings: Settings, name: str) -> None:
    """Add agent NAME's phone to its county queue and the city queue."""
    _run(settings, name, True)


@agent.command()
@click.argument("name")
@pass_settings
def logout(settings: Settings, name: str) -> None:
    """Remove agent NAME's phone from its queues."""
    _run(settings, name, False)


@click.group()
def agents() -> None:
    """All agents."""


@agents.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with SIP credentials).")
@pass_settings
def list_(settings: Settings, as_json: bool) -> None:
    """Agents with their SIP accounts, for registering a softphone."""
    with Database(settings.db_url).session() as session:
        rows = svc.list_agents(session, settings)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        state = "in " if r["logged_in"] else "out"
        sip = r["sip"]
        click.echo(
            f"{r['name']}  {r['display_name']}  {r['county'] or '-':<9} {state}  "
            f"sip:{sip['username']}@{sip['server']} password={sip['password']}"
        )
