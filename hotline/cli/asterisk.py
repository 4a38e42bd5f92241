"""`hotline asterisk install|start|stop|status|cli`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from hotline.asterisk import AsteriskRuntime, ProvisionError
from hotline.cli.common import UserError, echo_json, pass_settings, progress
from hotline.settings import Settings


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except ProvisionError as exc:
        raise UserError(str(exc)) from exc


@click.group()
def asterisk() -> None:
    """Asterisk 22: install it (a Debian sid root unless the system has 22), start, stop, query."""


@asterisk.command()
@click.option("--rebuild", is_flag=True, help="Build the cached root tarball and this root again.")
@pass_settings
def install(settings: Settings, rebuild: bool) -> None:
    """Make Asterisk 22 runnable; builds the Debian sid root once into the cache directory."""
    runtime = AsteriskRuntime.from_settings(settings)
    with _user_errors():
        runtime.install(progress, rebuild=rebuild)
        where = f"root {runtime.root}" if runtime.root is not None else runtime.binary
        click.echo(f"Asterisk {runtime.version()} installed ({runtime.mode} mode, {where})")


def _render(settings: Settings, runtime: AsteriskRuntime) -> None:
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from dialplan.render import render_all

    progress(f"rendering the Asterisk configuration into {runtime.etc_dir}")
    try:
        render_all(settings, runtime)
    except (OperationalError, ProgrammingError) as exc:
        raise UserError(
            f"the database is not ready ({str(exc.orig).splitlines()[0]}): run `hotline db upgrade` first"
        ) from exc


@asterisk.command()
@click.option("--timeout", default=60.0, show_default=True, help="Seconds to wait until fully booted.")
@pass_settings
def start(settings: Settings, timeout: float) -> None:
    """Render the configuration and start Asterisk in the background (nothing happens if it runs)."""
    runtime = AsteriskRuntime.from_settings(settings)
    with _user_errors():
        running = runtime.status()
        if running.running and running.pid is not None:
            click.echo(f"already running (pid {running.pid})")
            return
        runtime.install(progress)
        _render(settings, runtime)
        result = runtime.start(timeout=timeout, progress=progress)
    click.echo(result.message)


@asterisk.command()
@click.option("--timeout", default=20.0, show_default=True, help="Seconds to wait for a clean exit.")
@pass_settings
def stop(settings: Settings, timeout: float) -> None:
    """Stop Asterisk and unmount everything under its root (fine when it is not running)."""
    runtime = AsteriskRuntime.from_settings(settings)
    with _user_errors():
        result = runtime.stop(timeout=timeout)
    click.echo(result.message)


@asterisk.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_settings
def status(settings: Settings, as_json: bool) -> None:
    """Whether Asterisk runs, its pid, version and uptime."""
    runtime = AsteriskRuntime.from_settings(settings)
    with _user_errors():
        info = runtime.status()
    if as_json:
        echo_json(info.as_dict())
        return
    state = f"running (pid {info.pid})" if info.running else "not running"
    if info.running and not info.responding:
        state += ", control socket not answering"
    click.echo(f"Asterisk {state}")
    click.echo(f"  mode:    {info.mode}" + (f" (root {info.root})" if info.root else ""))
    click.echo(f"  version: {info.version or 'not installed'}")
    if info.uptime:
        click.echo(f"  uptime:  {info.uptime}")


@asterisk.command("cli")
@click.argument("command")
@click.option("--timeout", default=10.0, show_default=True)
@pass_settings
def cli_command(settings: Settings, command: str, timeout: float) -> None:
    """Run one Asterisk CLI COMMAND, e.g. `hotline asterisk cli "core show channels"`."""
    runtime = AsteriskRuntime.from_settings(settings)
    with _user_errors():
        output = runtime.cli(command, timeout=timeout)
    click.echo(output, nl=not output.endswith("\n"))
