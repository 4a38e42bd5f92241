"""`hotline queue status [--json]`: app_queue's queues, members with their state, waiting callers."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import click

from hotline.acd import agents as acd
from hotline.acd.queues import QueueState, queue_status
from hotline.ami import AmiError, ami_session
from hotline.cli.common import UserError, echo_json, pass_settings
from hotline.db.session import Database
from hotline.settings import Settings


@click.group()
def queue() -> None:
    """The ACD queues."""


async def _status(settings: Settings) -> dict[str, QueueState]:
    async with ami_session(settings) as ami:
        return await queue_status(ami)


def status_rows(settings: Settings, queues: dict[str, QueueState]) -> list[dict[str, Any]]:
    """Asterisk's view of each queue, with each member's state as the application records it."""
    database = Database(settings.db_url)
    try:
        with database.session() as session:
            views = {v.interface: v for v in acd.all_views(session, settings)}
    finally:
        database.dispose()
    rows = []
    for q in sorted(queues.values(), key=lambda q: q.name):
        members = []
        for m in sorted(q.members, key=lambda m: m.name):
            view = views.get(m.interface)
            members.append({**dataclasses.asdict(m), "agent": view.name if view else None,
                            "state": view.state if view else None})  # fmt: skip
        rows.append({
            "queue": q.name, "strategy": q.strategy, "waiting_count": q.calls, "completed": q.completed,
            "abandoned": q.abandoned, "members": members,
            "waiting": [dataclasses.asdict(w) for w in sorted(q.waiting, key=lambda w: w.position)],
        })  # fmt: skip
    return rows


@queue.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_settings
def status(settings: Settings, as_json: bool) -> None:
    """Queues with their members (state, paused, on a call) and the callers waiting, longest first."""
    try:
        rows = status_rows(settings, asyncio.run(_status(settings)))
    except AmiError as exc:
        raise UserError(str(exc)) from exc
    if as_json:
        echo_json(rows)
        return
    for q in rows:
        click.echo(f"{q['queue']} ({q['strategy']}): {q['waiting_count']} waiting, "
                   f"{q['completed']} completed, {q['abandoned']} abandoned")  # fmt: skip
        for m in q["members"]:
            paused = f"paused ({m['reason'] or '-'})" if m["paused"] else "unpaused"
            call = "on a call" if m["in_call"] else "free"
            click.echo(f"  {m['agent'] or m['name']:<10} {m['state'] or '?':<10} {paused:<18} {call:<9} "
                       f"{m['calls_taken']} calls")  # fmt: skip
        for w in q["waiting"]:
            click.echo(f"  #{w['position']} {w['caller'] or 'withheld'} waiting {w['wait_s']} s")
