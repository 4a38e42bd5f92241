"""`hotline calls list`."""

from __future__ import annotations

import click

from hotline.cli.common import echo_json, pass_settings
from hotline.db.session import Database
from hotline.services.calls import list_calls
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
