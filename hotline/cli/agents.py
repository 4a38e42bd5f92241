"""`hotline agent login|logout|pause|unpause|log NAME` and `hotline agents list`."""

from __future__ import annotations

import asyncio

import click

from hotline.acd import agents as acd
from hotline.acd import control, queues
from hotline.acd.states import DEFAULT_PAUSE_REASON, PAUSE_REASONS, AgentStateError
from hotline.ami import AmiError, ami_session
from hotline.cli.common import UserError, echo_json, pass_settings
from hotline.db.session import Database
from hotline.services import agents as svc
from hotline.settings import Settings


@click.group()
def agent() -> None:
    """Change an agent's state: log in, log out, pause, unpause (applied to the queues at once)."""


async def _apply(settings: Settings, view: acd.AgentView) -> None:
    async with ami_session(settings) as ami:
        await queues.apply(ami, view)


def _change(settings: Settings, name: str, action: str, reason: str | None) -> None:
    """Record the change (the application owns the state), then apply it to app_queue."""
    database = Database(settings.db_url)
    try:
        change = control.change_agent_state(database, settings, name, action, reason, "cli")
    except (svc.AgentNotFound, AgentStateError) as exc:
        raise UserError(str(exc.args[0] if exc.args else exc)) from exc
    finally:
        database.dispose()
    move, view = change.move, change.view
    if change.not_applied:
        raise UserError(
            f"agent {name} is now {move.after} (recorded), but Asterisk was not told: {change.not_applied}. "
            "ari_app applies it when Asterisk's manager is back."
        )
    why = f" ({move.reason})" if move.reason else ""
    where = ", ".join(view.queues)
    click.echo(f"agent {name}: {move.before} -> {move.after}{why}; queues {where}")


@agent.command()
@click.argument("name")
@pass_settings
def login(settings: Settings, name: str) -> None:
    """Log agent NAME in: ready in its county's queues and the city queue."""
    _change(settings, name, "login", None)


@agent.command()
@click.argument("name")
@click.option("--reason", help="Why (kept in the state log).")
@pass_settings
def logout(settings: Settings, name: str, reason: str | None) -> None:
    """Log agent NAME out of its queues."""
    _change(settings, name, "logout", reason)


@agent.command()
@click.argument("name")
@click.option("--reason", type=click.Choice(PAUSE_REASONS), default=DEFAULT_PAUSE_REASON, show_default=True)
@pass_settings
def pause(settings: Settings, name: str, reason: str) -> None:
    """Pause agent NAME: still logged in, offered no calls."""
    _change(settings, name, "pause", reason)


@agent.command()
@click.argument("name")
@pass_settings
def unpause(settings: Settings, name: str) -> None:
    """Make agent NAME ready again."""
    _change(settings, name, "unpause", None)


@agent.command()
@click.argument("name")
@click.argument("skill")
@click.argument("level", type=click.IntRange(0, 9), required=False)
@click.option("--remove", is_flag=True, help="Take the skill away.")
@pass_settings
def skill(settings: Settings, name: str, skill: str, level: int | None, remove: bool) -> None:
    """Give agent NAME a SKILL at LEVEL (0 best .. 9), or --remove it. The agent then serves its
    county's queue of that skill, rung after agents of a better level (the member penalty)."""
    if (level is None) == (not remove):
        raise UserError("give a LEVEL 0-9, or --remove")
    database = Database(settings.db_url)
    try:
        with database.session() as session:
            ag = svc.find_agent(session, name)
            acd.set_skill(session, ag, skill, None if remove else level)
            view = acd.view(session, ag, settings)
    except (svc.AgentNotFound, ValueError) as exc:
        raise UserError(str(exc)) from exc
    finally:
        database.dispose()
    if view.member:
        try:
            asyncio.run(_apply(settings, view))
        except AmiError as exc:
            raise UserError(f"agent {name}: skill recorded, but Asterisk was not told: {exc}") from exc
    served = ", ".join(f"{q} ({p})" for q, p in zip(view.queues, view.penalties, strict=True))
    click.echo(
        f"agent {name}: {skill} {'removed' if remove else f'level {level}'}; queues (penalty) {served}"
    )


@agent.command("log")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_settings
def log_(settings: Settings, name: str, as_json: bool) -> None:
    """Agent NAME's state changes, oldest first."""
    database = Database(settings.db_url)
    try:
        with database.session() as session:
            changes = acd.state_log(session, svc.find_agent(session, name))
            rows = [{"at": c.at.isoformat(), "from": c.from_state, "to": c.to_state, "reason": c.reason,
                     "source": c.source} for c in changes]  # fmt: skip
    except svc.AgentNotFound as exc:
        raise UserError(str(exc)) from exc
    finally:
        database.dispose()
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['at']}  {r['from']:>10} -> {r['to']:<10} {r['reason'] or '':<10} {r['source']}")


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
        state = r["state"] + (f" ({r['pause_reason']})" if r["pause_reason"] else "")
        sip = r["sip"]
        click.echo(
            f"{r['name']}  {r['display_name']}  {r['county'] or '-':<9} {state:<18} "
            f"sip:{sip['username']}@{sip['server']} password={sip['password']}"
        )
