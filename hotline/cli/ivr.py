"""`hotline ivr validate|load|show`: IVR flows as YAML files, versioned in the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from sqlalchemy.orm import Session

from hotline.cli.common import UserError, echo_json, pass_settings
from hotline.db.models import IvrFlow
from hotline.db.session import Database
from hotline.ivr import store
from hotline.ivr.graph import links, menu_depth
from hotline.ivr.schema import Flow, FlowError, available_prompts, parse_flow, validate_prompts
from hotline.settings import Settings

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
# Node fields shown beside the links in `hotline ivr show`
DETAILS = {"language", "category", "urgency", "skill", "county", "number", "var", "max_seconds"}


@click.group()
def ivr() -> None:
    """IVR flows: validate a flow file, load it as a new version, show what is loaded."""


def _checked(path: Path) -> tuple[Flow, str]:
    """The flow of `path` with its text, checked against the schema and the prompt texts."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from exc
    try:
        flow = parse_flow(text, path.name)
        validate_prompts(flow, available_prompts(), path.name)
    except FlowError as exc:
        raise UserError(str(exc)) from exc
    return flow, text


@ivr.command()
@click.argument("file", type=FILE)
def validate(file: Path) -> None:
    """Check FILE: node links, reachability, keys, menu depth, and prompts in every language."""
    flow, _ = _checked(file)
    click.echo(f"ok: {flow.name}, {len(flow.nodes)} nodes, menu depth {menu_depth(flow)}")


@ivr.command()
@click.argument("file", type=FILE)
@pass_settings
def load(settings: Settings, file: Path) -> None:
    """Validate FILE and store it as the next version; new calls use it without a restart."""
    flow, text = _checked(file)
    database = Database(settings.db_url)
    try:
        with database.session() as session:
            row, created = store.load_flow(session, flow, text)
    finally:
        database.dispose()
    click.echo(
        f"loaded {row.name} version {row.version}"
        if created
        else f"unchanged: {row.name} version {row.version}"
    )


def _node_map(flow: Flow) -> list[dict[str, Any]]:
    return [
        {
            "id": node_id,
            "type": node.type,
            "prompts": list(node.prompts),
            "sets": node.model_dump(include=DETAILS, exclude_none=True),
            "links": links(flow, node_id),
        }
        for node_id, node in flow.nodes.items()
    ]


def _version(row: IvrFlow, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "version": row.version,
        "loaded_at": row.loaded_at.astimezone(tz).isoformat(),
        "sha256": row.sha256,
    }


def _details(rows: list[IvrFlow], row: IvrFlow, tz: ZoneInfo) -> dict[str, Any]:
    flow = store.stored_flow(row)
    return {
        "name": row.name,
        **_version(row, tz),
        "menu_depth": menu_depth(flow),
        "versions": [_version(r, tz) for r in rows],
        "nodes": _node_map(flow),
    }


def _show_flow(session: Session, name: str, number: int | None, tz: ZoneInfo) -> dict[str, Any]:
    rows = store.versions(session, name)
    if not rows:
        raise UserError(f"no flow {name!r} is loaded; load one with `hotline ivr load FILE`")
    chosen = rows[-1] if number is None else next((r for r in rows if r.version == number), None)
    if chosen is None:
        raise UserError(f"flow {name!r} has no version {number} (it has 1 to {rows[-1].version})")
    try:
        return _details(rows, chosen, tz)
    except FlowError as exc:
        raise UserError(str(exc)) from exc


def _echo_details(details: dict[str, Any]) -> None:
    click.echo(f"{details['name']} version {details['version']} (menu depth {details['menu_depth']})")
    for r in details["versions"]:
        click.echo(f"  version {r['version']}  loaded {r['loaded_at'][:19]}  sha256 {r['sha256'][:12]}")
    for node in details["nodes"]:
        words = [f"[{', '.join(node['prompts'])}]"] if node["prompts"] else []
        words += [f"{key}={value}" for key, value in node["sets"].items()]
        words += [
            f"{label.removeprefix('option ').strip(chr(39))} -> {target}"
            for label, target in node["links"].items()
        ]
        click.echo(f"{node['id']:<14} {node['type']:<14} {'  '.join(words)}".rstrip())


@ivr.command()
@click.argument("name", required=False)
@click.option("--version", "number", type=int, help="Show this version instead of the newest.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_settings
def show(settings: Settings, name: str | None, number: int | None, as_json: bool) -> None:
    """The loaded flows; with NAME, its versions and the node map of the newest (or --version) one."""
    database = Database(settings.db_url)
    try:
        with database.session() as session:
            if name is None:
                data: Any = [{"name": n, "version": v} for n, v in store.flow_names(session)]
            else:
                data = _show_flow(session, name, number, ZoneInfo(settings.timezone))
    finally:
        database.dispose()
    if as_json:
        echo_json(data)
    elif name is not None:
        _echo_details(data)
    elif not data:
        click.echo("no flow is loaded; load one with `hotline ivr load FILE`")
    else:
        for entry in data:
            click.echo(f"{entry['name']}  version {entry['version']}")
