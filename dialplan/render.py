"""Render every Asterisk configuration file from the templates (a site override directory wins)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from sqlalchemy import select

from dialplan.generators import GENERATORS, AgentAccount, ConfigInput, QueueConf, context_for
from hotline.db.models import Agent, CountyDid, Queue
from hotline.db.session import Database
from hotline.secrets import SecretStore
from hotline.settings import Settings

if TYPE_CHECKING:
    from hotline.asterisk.runtime import AsteriskRuntime

logger = logging.getLogger(__name__)

PACKAGED = Path(__file__).parent / "templates"


def site_templates(settings: Settings) -> Path:
    """Templates placed here override the packaged ones, file by file."""
    return settings.home / "asterisk" / "templates"


def environment(override: Path | None = None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if override is not None and override.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(override)))
    loaders.append(jinja2.FileSystemLoader(str(PACKAGED)))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def collect(settings: Settings, runtime: AsteriskRuntime) -> ConfigInput:
    """Gather the templates' input from settings, the database, the secrets file and the runtime."""
    store = SecretStore.for_home(settings.home)
    database = Database(settings.db_url)
    try:
        with database.session() as session:
            agents = [
                AgentAccount(a.name, a.display_name, a.endpoint, store.sip_password(a.endpoint))
                for a in session.scalars(select(Agent).order_by(Agent.name))
            ]
            queues = [
                QueueConf(
                    q.name,
                    q.strategy,
                    q.ring_timeout,
                    q.wrapup_time,
                    q.max_wait,
                    q.announce_frequency,
                    q.announce_holdtime,
                    q.callback,
                    q.message_when_empty,
                )
                for q in session.scalars(select(Queue).order_by(Queue.name))
            ]
            dids = list(session.scalars(select(CountyDid.number).order_by(CountyDid.number)))
    finally:
        database.dispose()
    return ConfigInput(
        bind_host=settings.bind_host,
        sip_port=settings.sip_port,
        http_port=settings.http_port,
        ami_port=settings.ami_port,
        agi_port=settings.agi_port,
        rtp_start=settings.rtp_start,
        rtp_end=settings.rtp_end,
        hotline_numbers=list(settings.hotline_numbers),
        carrier_addresses=list(settings.carrier_addresses),
        default_queue=settings.default_queue,
        ari_app=settings.ari_app,
        language=settings.language,
        recording_format=settings.recording_format,
        recordings_inner=runtime.recordings_inner,
        directories=runtime.directories(),
        ari_password=store.ari_password(),
        ami_secret=store.ami_secret(),
        agents=agents,
        queues=queues,
        dids=[d for d in dids if d not in settings.hotline_numbers],
        carrier_contact=settings.carrier_contact or f"sip:{settings.carrier_addresses[0]}:5060",
    )


def render_files(data: ConfigInput, override: Path | None = None) -> dict[str, str]:
    """File name -> rendered text, for every file Asterisk loads."""
    env = environment(override)
    return {name: env.get_template(f"{name}.jinja").render(context_for(name, data)) for name in GENERATORS}


def write_files(files: dict[str, str], target: Path) -> None:
    """Write atomically, mode 0640 (secrets inside); stale .conf files of older renders are removed."""
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.conf"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        tmp = target / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, target / name)


def render_all(settings: Settings, runtime: AsteriskRuntime | None = None) -> Path:
    """Render all configuration into the runtime's etc directory and return it."""
    if runtime is None:
        from hotline.asterisk.runtime import AsteriskRuntime

        runtime = AsteriskRuntime.from_settings(settings)
    files = render_files(collect(settings, runtime), site_templates(settings))
    write_files(files, runtime.etc_dir)
    logger.info("rendered %d files into %s", len(files), runtime.etc_dir)
    return runtime.etc_dir


# What to reload after a re-render, so a running Asterisk takes data changes (DIDs, queues) at once
RELOADS = ("dialplan reload", "module reload app_queue.so", "module reload res_pjsip.so")


def apply_to_running(settings: Settings) -> bool:
    """Re-render the configuration and, if Asterisk is running, reload what data changes touch.
    Returns True when a running Asterisk was reloaded."""
    from hotline.asterisk.runtime import AsteriskRuntime

    runtime = AsteriskRuntime.from_settings(settings)
    render_all(settings, runtime)
    if not runtime.status().running:
        return False
    for command in RELOADS:
        runtime.cli(command)
    return True
