"""`hotline config render`."""

from __future__ import annotations

import click

from hotline.cli.common import pass_settings
from hotline.settings import Settings


@click.group()
def config() -> None:
    """Asterisk configuration generated from the templates in dialplan/."""


@config.command()
@pass_settings
def render(settings: Settings) -> None:
    """Render every Asterisk .conf file from the templates and the database."""
    from dialplan.render import render_all

    target = render_all(settings)
    click.echo(f"rendered Asterisk configuration into {target}")
