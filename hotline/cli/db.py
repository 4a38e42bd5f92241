"""`hotline db upgrade|downgrade|seed`."""

from __future__ import annotations

import click

from hotline.cli.common import echo_json, pass_settings, progress
from hotline.db import migrate
from hotline.db.session import Database
from hotline.services.demo_users import demo_logins_path, seed_demo_users
from hotline.services.seed import seed_demo
from hotline.settings import Settings


@click.group()
def db() -> None:
    """Database schema and demo data."""


@db.command()
@click.argument("revision", default="head")
@pass_settings
def upgrade(settings: Settings, revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    progress(f"migrating {Database(settings.db_url).engine.url.render_as_string()} to {revision}")
    migrate.upgrade(settings.db_url, revision)
    click.echo(f"database at revision {migrate.current(settings.db_url)}")


@db.command()
@click.argument("revision")
@pass_settings
def downgrade(settings: Settings, revision: str) -> None:
    """Revert migrations down to REVISION (`base` empties the schema)."""
    migrate.downgrade(settings.db_url, revision)
    click.echo(f"database at revision {migrate.current(settings.db_url)}")


@db.command()
@click.option("--demo", is_flag=True, required=True, help="Create the demo city (the only seed so far).")
@pass_settings
def seed(settings: Settings, demo: bool) -> None:
    """Create demo data: districts, categories, agents with SIP accounts, members, merchants, console
    users (their passwords generated once, kept in <home>/demo-logins.txt)."""
    database = Database(settings.db_url)
    with database.session() as session:
        counts = seed_demo(session)
        logins = seed_demo_users(session, settings.home)
    echo_json({**counts, "users": len(logins), "demo_logins": str(demo_logins_path(settings.home))})
    progress(f"console logins (kept in {demo_logins_path(settings.home)}, mode 0600):")
    for login in logins:
        click.echo(f"    {login.username:<12} {login.password}  {','.join(login.roles)}", err=True)
