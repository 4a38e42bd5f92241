"""`hotline routing load FILE`, `hotline routing show` and `hotline routing explain NUMBER`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from hotline.cli.common import UserError, echo_json, parse_time, pass_settings
from hotline.db.session import Database
from hotline.routing.clock import center_now
from hotline.routing.schema import RoutingFileError, parse_routing
from hotline.routing.service import Decision, decide
from hotline.routing.store import load_routing, show_routing
from hotline.settings import Settings


@click.group()
def routing() -> None:
    """Localized routing (属地化): which county a call belongs to."""


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    database = Database(settings.db_url)
    try:
        with database.session() as session:
            yield session
    except (OperationalError, ProgrammingError) as exc:
        raise UserError(
            f"the database cannot be read ({str(exc.orig).strip()}); run `hotline db upgrade` first"
        ) from exc
    finally:
        database.dispose()


@routing.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_settings
def load(settings: Settings, file: Path) -> None:
    """Validate the routing FILE (YAML) and write it into the database."""
    try:
        routing_file = parse_routing(file.read_text(encoding="utf-8"), file.name)
    except (RoutingFileError, UnicodeDecodeError) as exc:
        raise UserError(str(exc)) from exc
    with _session(settings) as session:
        summary = load_routing(session, routing_file)
    city = routing_file.city
    click.echo(
        f"loaded {file.name} for {city.name_zh} {city.name_en}: {summary['counties']} counties "
        f"({summary['created']} new, {summary['updated']} updated, {summary['unlisted']} unlisted kept), "
        f"{summary['dids']} DIDs, {summary['prefixes']} prefixes, {summary['queues']} queues "
        f"({summary['queues_created']} new); center {routing_file.center}"
    )
    from dialplan.render import apply_to_running

    if apply_to_running(settings):
        click.echo("Asterisk reloaded: the new DIDs and queues are live")


def _county_lines(county: dict[str, Any]) -> list[str]:
    hours = county["hours"]
    times = f" {hours['open']}–{hours['close']}" if hours["open"] else ""
    overflow = (
        f"{county['overflow']['queue']} after {county['overflow']['after']} s" if county["overflow"] else "-"
    )
    flags = "  (center)" if county["is_center"] else ""
    digit = county["menu_digit"] or "-"
    prefixes = ", ".join(f"{p['prefix']} ({p['kind']})" for p in county["prefixes"]) or "-"
    queues = (
        ", ".join(q["name"] + (f" [{q['skill']}]" if q["skill"] else "") for q in county["queues"]) or "-"
    )
    return [
        f"{county['code']}  {county['name_zh']} {county['name_en']}  menu digit {digit}{flags}",
        f"  hours     {hours['days']}{times}",
        f"  overflow  {overflow}",
        f"  DIDs      {', '.join(county['dids']) or '-'}",
        f"  prefixes  {prefixes}",
        f"  queues    {queues}",
    ]


@routing.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_settings
def show(settings: Settings, as_json: bool) -> None:
    """Counties with their DIDs, prefixes, hours, overflow and queues."""
    with _session(settings) as session:
        data = show_routing(session)
    if as_json:
        echo_json(data)
        return
    if not data["counties"]:
        click.echo("no counties yet: load a routing file with `hotline routing load FILE`")
        return
    for county in data["counties"]:
        click.echo("\n".join(_county_lines(county)))


def _when(settings: Settings, text: str | None) -> datetime:
    """--at as an aware time (naive means the center's time zone); default the center's clock."""
    if text is None:
        try:
            return center_now(settings)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
    return parse_time(settings, text, "--at")


def _explain_lines(decision: Decision, at: datetime, tz: str) -> list[str]:
    overflow = (
        f" (overflow to {decision.overflow_queue} after {decision.overflow_wait} s)"
        if decision.overflow_queue
        else ""
    )
    return [
        f"caller   {decision.number} ({decision.kind})",
        f"county   {decision.county or '- (the IVR asks)'}",
        f"reason   {decision.reason}: {decision.detail}",
        f"queue    {decision.queue}{overflow}",
        f"hours    {'open' if decision.open else 'closed'}: {decision.hours_reason}",
        f"at       {at.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M %a} ({tz})",
    ]


@routing.command()
@click.argument("number")
@click.option("--to", "dialed", help="The number dialled (a county DID decides first).")
@click.option("--at", "at_text", metavar="TIME", help="ISO 8601 time; naive means the center's time zone.")
@click.option("--skill", help="Skill group wanted within the county.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_settings
def explain(
    settings: Settings, number: str, dialed: str | None, at_text: str | None, skill: str | None, as_json: bool
) -> None:
    """Where a call from NUMBER would go and why, decided exactly as live calls are."""
    at = _when(settings, at_text)
    with _session(settings) as session:
        decision = decide(
            session, number, dialed, at, skill, tz=settings.timezone, default_queue=settings.default_queue
        )
    if as_json:
        echo_json({**decision.as_dict(), "at": at.isoformat()})
        return
    click.echo("\n".join(_explain_lines(decision, at, settings.timezone)))
