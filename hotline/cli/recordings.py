"""`hotline recordings purge|verify`: recording retention and re-checks of the files kept."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from hotline.cli.common import echo_json, pass_settings
from hotline.db.session import Database
from hotline.services.retention import purge_recordings, verify_recordings
from hotline.settings import Settings


@click.group()
def recordings() -> None:
    """Call recordings: retention and checks."""


def _size(count: int) -> str:
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _plural(count: int) -> str:
    return f"{count} recording" if count == 1 else f"{count} recordings"


@recordings.command()
@click.option("--older-than", "older_than", type=click.IntRange(min=1), metavar="DAYS",
              help="Purge recordings older than DAYS days (default: the retention setting).")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Say what would be purged; delete nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_settings
def purge(settings: Settings, older_than: int | None, dry_run: bool, as_json: bool) -> None:
    """Delete expired recordings (files and rows) and log each one; exit 1 if any was refused."""
    database = Database(settings.db_url)
    try:
        with database.session() as session:
            report = purge_recordings(session, settings, now=datetime.now(UTC), older_than_days=older_than,
                                      dry_run=dry_run)  # fmt: skip
    finally:
        database.dispose()
    if as_json:
        echo_json(report.to_dict())
    else:
        verb = "would purge" if dry_run else "purged"
        for item in report.purged:
            click.echo(f"{verb} {item.describe(settings.timezone)}")
        for refused in report.refused:
            click.echo(f"refused recording {refused.recording_id} of call {refused.call_uid}: "
                       f"{refused.path}: {refused.reason}")  # fmt: skip
        freed = "would be freed" if dry_run else "freed"
        summary = f"{verb} {_plural(report.count)}, {_size(report.bytes_freed)} {freed}"
        if report.refused:
            summary += f"; refused {_plural(len(report.refused))}"
        click.echo(f"dry run: {summary}" if dry_run else summary)
    if report.refused:
        raise SystemExit(1)


@recordings.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_settings
def verify(settings: Settings, as_json: bool) -> None:
    """Re-check the files of recordings recorded as ok; flag the missing and the empty ones."""
    database = Database(settings.db_url)
    try:
        with database.session() as session:
            report = verify_recordings(session, settings)
    finally:
        database.dispose()
    if as_json:
        echo_json(report.to_dict())
        return
    for item in report.flagged:
        click.echo(f"flagged recording {item.recording_id} of call {item.call_uid}: {item.path} "
                   f"is {item.status}")  # fmt: skip
    click.echo(f"checked {_plural(report.checked)}, flagged {len(report.flagged)}")
