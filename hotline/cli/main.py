"""Entry point: `hotline <group> <command>`; each group lives in its own module, imported on use."""

from __future__ import annotations

import importlib
import logging
import os

import click

# name -> "module:attribute" of a click command or group
COMMANDS: dict[str, str] = {
    "agent": "hotline.cli.agents:agent",
    "agents": "hotline.cli.agents:agents",
    "asterisk": "hotline.cli.asterisk:asterisk",
    "calls": "hotline.cli.calls:calls",
    "config": "hotline.cli.config:config",
    "db": "hotline.cli.db:db",
    "ivr": "hotline.cli.ivr:ivr",
    "prompts": "hotline.cli.prompts:prompts",
    "queue": "hotline.cli.queues:queue",
    "recordings": "hotline.cli.recordings:recordings",
    "routing": "hotline.cli.routing:routing",
    "sipp": "hotline.cli.sipp:sipp",
    "token": "hotline.cli.users:token",
    "up": "hotline.cli.up:up",
    "user": "hotline.cli.users:user",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup)
@click.option("-v", "--verbose", is_flag=True, help="Log debug output.")
def cli(verbose: bool) -> None:
    """hotline: the housekeeping-service network center's telephony and ticketing platform."""
    level = logging.DEBUG if verbose else getattr(logging, os.environ.get("HOTLINE_LOG_LEVEL", "WARNING"))
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main() -> None:
    cli()
