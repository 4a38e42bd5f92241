"""`hotline queue status` (app_queue's queues, members, waiting callers) and `hotline queue log`."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from hotline.acd import agents as acd
from hotline.acd import queuelog
from hotline.acd.queuelog import Balance
from hotline.acd.queues import QueueState, queue_status
from hotline.ami import AmiError, ami_session
from hotline.cli.common import UserError, echo_json, parse_time, pass_settings
from hotline.db.models import Call
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
                       f"penalty {m['penalty']}  {m['calls_taken']} calls")  # fmt: skip
        for w in q["waiting"]:
            click.echo(f"  #{w['position']} {w['caller'] or 'withheld'} waiting {w['wait_s']} s")


def log_rows(settings: Settings, since: datetime | None, limit: int) -> tuple[list[dict[str, Any]], Balance]:
    database = Database(settings.db_url)
    try:
        with database.session() as session:
            events = queuelog.recent_events(session, since, limit)
            ids = {e.call_id for e in events if e.call_id}
            uids = dict(session.execute(select(Call.id, Call.uid).where(Call.id.in_(ids))).all())
            rows = [queuelog.event_to_dict(e, uids.get(e.call_id) if e.call_id else None) for e in events]
            return rows, queuelog.balance(session, since)
    finally:
        database.dispose()


@queue.command("log")
@click.option("--since", "since_text", metavar="TIME", help="ISO 8601 time or a span back (30m, 2h, 1d).")
@click.option("--limit", default=1000, show_default=True, help="At most this many events, oldest first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_settings
def log(settings: Settings, since_text: str | None, limit: int, as_json: bool) -> None:
    """Queue events (Asterisk's queue_log verbs: ENTERQUEUE, CONNECT, ABANDON, ...), oldest first, and
    whether they add up: every call that entered a queue ends in exactly one outcome."""
    since = parse_time(settings, since_text, "--since") if since_text else None
    rows, totals = log_rows(settings, since, limit)
    if as_json:
        echo_json(rows)
        return
    tz = ZoneInfo(settings.timezone)
    for r in rows:
        at = datetime.fromisoformat(r["at"]).astimezone(tz)
        click.echo(f"{at:%Y-%m-%d %H:%M:%S}  {r['queue']:<12} {r['agent'] or '-':<8} {r['event']:<16} "
                   f"{(r['call'] or r['channel_id'] or '-')[:16]:<16} {'|'.join(r['data'])}")  # fmt: skip
    outcomes = ", ".join(f"{n} {verb}" for verb, n in sorted(totals.outcomes.items())) or "no outcome"
    orphans = len(totals.orphans)
    verdict = "adds up" if totals.adds_up else f"does NOT add up ({orphans} outcomes without entry)"
    click.echo(f"{totals.entered} entered: {outcomes}, {len(totals.open)} still open; {verdict}")
