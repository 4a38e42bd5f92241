"""`hotline up`: the whole center in the foreground; Ctrl-C or SIGTERM stops all of it."""

from __future__ import annotations

import signal
import time
from types import FrameType

import click

from hotline.cli.common import UserError, pass_settings, progress
from hotline.db import migrate
from hotline.db.session import Database
from hotline.services.agents import list_agents
from hotline.services.demo_users import demo_logins_path
from hotline.settings import Settings
from hotline.supervisor import Service, center_services

RESTART_BACKOFF = (1.0, 30.0)


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop()


def _banner(settings: Settings) -> None:
    with Database(settings.db_url).session() as session:
        agents = list_agents(session, settings)
    click.echo("")
    click.echo("hotline is up.")
    click.echo(f"  console:         {settings.console_url}")
    logins = demo_logins_path(settings.home)
    if logins.exists():
        click.echo(f"  console logins:  {logins} (demo users, one per role; `hotline user` makes others)")
    click.echo(
        f"  hotline numbers: {', '.join(settings.hotline_numbers)} "
        f"(carrier trunk from {', '.join(settings.carrier_addresses)} to "
        f"{settings.bind_host}:{settings.sip_port})"
    )
    click.echo(f"  logs:            {settings.log_dir}")
    click.echo("  agents (register a softphone, then `hotline agent login NAME`):")
    for a in agents:
        sip = a["sip"]
        click.echo(
            f"    {a['name']} {a['display_name']:<4} user={sip['username']} "
            f"password={sip['password']} server={sip['server']} ({sip['transport']})"
        )
    click.echo("Press Ctrl-C to stop.")


def _supervise(services: list[Service]) -> None:
    """Restart a child that dies, with a growing delay, until a stop signal arrives."""
    delay = {s.name: RESTART_BACKOFF[0] for s in services}
    while True:
        time.sleep(0.5)
        for service in services:
            if service.alive():
                continue
            progress(
                f"{service.name} exited; restarting in {delay[service.name]:.0f} s (see {service.log_path})"
            )
            time.sleep(delay[service.name])
            delay[service.name] = min(delay[service.name] * 2, RESTART_BACKOFF[1])
            try:
                service.start()
                service.restarts += 1
            except RuntimeError as exc:
                progress(str(exc).splitlines()[0])


@click.command()
@pass_settings
def up(settings: Settings) -> None:
    """Run Asterisk, ari_app, the FastAGI server and the console until Ctrl-C."""
    from dialplan.render import render_all
    from hotline.asterisk.runtime import AsteriskRuntime, ProvisionError

    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    runtime = AsteriskRuntime.from_settings(settings)
    services = center_services(settings)
    started: list[Service] = []
    try:
        progress("migrating the database")
        migrate.upgrade(settings.db_url)
        try:
            runtime.install(progress)  # quick when already installed; builds or extracts otherwise
            progress("rendering Asterisk configuration")
            render_all(settings, runtime)
            runtime.start(progress=progress)
        except ProvisionError as exc:
            raise UserError(str(exc)) from exc
        for service in services:
            progress(f"starting {service.name} (log: {service.log_path})")
            service.start()
            started.append(service)
        _banner(settings)
        _supervise(services)
    except (_Stop, KeyboardInterrupt):
        progress("stopping")
    except RuntimeError as exc:
        raise UserError(str(exc)) from exc
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for service in reversed(services):
            service.stop()
        runtime.stop()
        progress("stopped: no process or mount left behind")
