"""`hotline calls list`, `calls transfer`, `calls pickup`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import click
from sqlalchemy import select

from hotline.acd import transfers
from hotline.ami import Ami, AmiError, ami_session
from hotline.cli.common import UserError, echo_json, pass_settings
from hotline.db.models import Agent, Queue
from hotline.db.session import Database
from hotline.services.calls import CallNotFound, agent_channel, list_calls
from hotline.settings import Settings


@click.group()
def calls() -> None:
    """Calls the center has handled."""


@calls.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--limit", default=50, show_default=True)
@pass_settings
def list_(settings: Settings, as_json: bool, limit: int) -> None:
    """Calls, newest first."""
    with Database(settings.db_url).session() as session:
        rows = list_calls(session, limit)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        rec = r["recordings"][0]["duration_s"] if r["recordings"] else None
        click.echo(
            f"{r['entered_at'][:19]}  {r['caller_number']:>14} -> {r['dialed_number']:<10} "
            f"{r['queue'] or '-':<9} {r['agent'] or '-':<6} {r['disposition']:<10} "
            f"wait={r['wait_seconds']}s talk={r['talk_seconds']}s rec={rec}s"
        )


def _names(settings: Settings) -> tuple[set[str], set[str]]:
    """The center's agent names and queue names (the city queue included): transfer targets."""
    database = Database(settings.db_url)
    try:
        with database.session() as session:
            agents = set(session.scalars(select(Agent.name)))
            queues = set(session.scalars(select(Queue.name))) | {settings.default_queue}
            return agents, queues
    finally:
        database.dispose()


async def _ami(settings: Settings, work: Callable[[Ami], Awaitable[None]]) -> None:
    async with ami_session(settings) as ami:
        await work(ami)


@calls.command()
@click.argument("uid")
@click.argument("target")
@click.option(
    "--attended",
    is_flag=True,
    help="Consult the target first; the transfer completes when the agent hangs up.",
)
@pass_settings
def transfer(settings: Settings, uid: str, target: str, attended: bool) -> None:
    """Transfer call UID from its agent to TARGET: another agent (by name), a queue (queue:NAME, blind
    only) or an outside number."""
    try:
        to = transfers.parse_target(target, *_names(settings), attended=attended)
    except transfers.TransferError as exc:
        raise UserError(str(exc)) from exc
    database = Database(settings.db_url)
    try:
        with database.session() as session:
            channel = agent_channel(session, uid)
    except CallNotFound as exc:
        raise UserError(f"no call {uid}") from exc
    finally:
        database.dispose()
    if channel is None:
        raise UserError(f"call {uid} has no agent to transfer it from")
    action = transfers.attended_transfer if attended else transfers.blind_transfer
    try:
        asyncio.run(_ami(settings, lambda ami: action(ami, channel, to)))
    except AmiError as exc:
        raise UserError(f"Asterisk refused the transfer: {exc}") from exc
    kind = "attended transfer" if attended else "transfer"
    click.echo(f"call {uid}: {kind} from {channel} to {to.describe()} started")


@calls.command()
@click.argument("picker")
@click.option("--from", "ringing", required=True, metavar="AGENT", help="The agent whose phone is ringing.")
@pass_settings
def pickup(settings: Settings, picker: str, ringing: str) -> None:
    """Agent PICKER takes the call ringing at AGENT's phone: PICKER's phone rings, and answering it
    picks the call up."""
    names, _queues = _names(settings)
    for name in (picker, ringing):
        if name not in names:
            raise UserError(f"no agent is called {name!r}")
    database = Database(settings.db_url)
    try:
        with database.session() as session:
            endpoint = session.scalar(select(Agent.endpoint).where(Agent.name == picker))
    finally:
        database.dispose()
    assert endpoint is not None
    try:
        asyncio.run(_ami(settings, lambda ami: transfers.pickup(ami, endpoint, ringing)))
    except AmiError as exc:
        raise UserError(f"Asterisk refused the pickup: {exc}") from exc
    click.echo(f"agent {picker}: ringing to pick up the call at agent {ringing}'s phone")
