"""A private center for integration tests and benchmarks: its own state directory, ports and database,
a real Asterisk, the FastAGI server and ari_app (and the console when asked for).

    env = center_env(REPO / "var" / "bench", 45000, rtp=(46000, 49999))
    with private_center(env) as center:     # provisioned from scratch; stopped and unmounted afterwards
        center.settings, center.runtime, center.services["ari_app"].pid()

Everything is rebuilt on entry (the state directory is removed first), so two private centers never
share anything but the cached Asterisk root tarball (and the built prompts, when given a prompts_cache).
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dialplan.render import render_all
from hotline.asterisk.mounts import mounts_below
from hotline.asterisk.runtime import AsteriskRuntime
from hotline.db import migrate
from hotline.db.session import Database
from hotline.services.seed import seed_demo
from hotline.settings import Settings
from hotline.sipp.ports import DEFAULT_AGENT_PORT, DEFAULT_CALLER_PORT, DEFAULT_MEDIA_PORT
from hotline.supervisor import Service, center_services
from ivr_prompts.build import build_prompts

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
SERVICES = ("agi", "ari_app")  # started in this order; the console only when asked for


def center_env(home: Path, base: int, *, rtp: tuple[int, int] | None = None) -> dict[str, str]:
    """Environment of a private center: ports `base`+offset, all on loopback.

    The RTP range defaults to a 2000-port block picked from `base`; `rtp` sets it explicitly.
    """
    block = 40000 + (base // 1000 % 10) * 2000
    rtp_start, rtp_end = rtp or (block, block + 1999)
    return {
        "HOTLINE_HOME": str(home),
        "HOTLINE_CACHE_DIR": os.environ.get("HOTLINE_CACHE_DIR", str(REPO / "var" / "cache")),
        "HOTLINE_SIP_PORT": str(base + 60),
        "HOTLINE_HTTP_PORT": str(base + 88),
        "HOTLINE_AMI_PORT": str(base + 38),
        "HOTLINE_AGI_PORT": str(base + 73),
        "HOTLINE_CONSOLE_PORT": str(base + 50),
        "HOTLINE_CONSOLE_WAKE_PORT": str(base + 51),
        "HOTLINE_RTP_START": str(rtp_start),
        "HOTLINE_RTP_END": str(rtp_end),
        "HOTLINE_LOG_LEVEL": "INFO",
    }


class PortSettings(Settings):
    """Settings plus the SIPp port bases hotline.sipp.ports reads when a settings object has them: a
    private center sets them apart, so its SIPp callers and phones never race another center's."""

    sipp_agent_port: int = DEFAULT_AGENT_PORT
    sipp_caller_port: int = DEFAULT_CALLER_PORT
    sipp_media_port: int = DEFAULT_MEDIA_PORT


def settings_from_env(env: dict[str, str], cls: type[Settings] = Settings) -> Settings:
    """Settings of a private center, without touching this process's environment.

    `cls` may be a subclass of Settings with extra fields (a benchmark's SIPp port bases).
    """
    fields = {k.removeprefix("HOTLINE_").lower(): v for k, v in env.items() if k != "HOTLINE_LOG_LEVEL"}
    return cls(**fields)  # type: ignore[arg-type]


@dataclass
class PrivateCenter:
    """A running private center: its settings, Asterisk, database and child services."""

    settings: Settings
    runtime: AsteriskRuntime
    database: Database
    env: dict[str, str]
    services: dict[str, Service] = field(default_factory=dict)

    def hotline(
        self, *args: str, timeout: float = 60, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the `hotline` command line as a user would (same environment)."""
        return subprocess.run(
            [sys.executable, "-m", "hotline", *args],
            capture_output=True,
            text=True,
            input=stdin,
            timeout=timeout,
            env={**os.environ, **self.env},
        )

    def cli(self, command: str, timeout: float = 10) -> str:
        return self.runtime.cli(command, timeout)


def remove_state_dir(home: Path) -> None:
    """Delete a stopped center's state directory; refuse while anything is mounted below it
    (a bind-mounted /dev must never be walked into)."""
    mounted = mounts_below(home)
    if mounted:
        raise RuntimeError(f"not removing {home}: still mounted below it: {mounted}")
    shutil.rmtree(home, ignore_errors=False)


def copy_prompts(settings: Settings, cache: Path) -> None:
    """The prompts built (`hotline prompts build`, unchanged ones skipped) in `cache`, which centers
    share (one builds at a time, under a lock), then copied into this center's sounds directory."""
    cache.mkdir(parents=True, exist_ok=True)
    cached = settings.model_copy(update={"home": cache})
    with (cache / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        build_prompts(cached)
        shutil.copytree(cached.sounds_dir, settings.sounds_dir, dirs_exist_ok=True)


def _fresh_home(env: dict[str, str]) -> Path:
    """Stop an Asterisk a crashed earlier run may have left, then start from an empty state directory."""
    home = Path(env["HOTLINE_HOME"])
    AsteriskRuntime.from_settings(settings_from_env(env)).stop()
    if home.exists():
        remove_state_dir(home)
    home.mkdir(parents=True)
    return home


@contextmanager
def private_center(
    env: dict[str, str],
    *,
    database_url: Callable[[Path], str] | None = None,
    prepare: Callable[[Settings], None] | None = None,
    settings_cls: type[Settings] = Settings,
    progress: Callable[[str], None] = print,
    services: Sequence[str] = SERVICES,
    prompts_cache: Path | None = None,
) -> Iterator[PrivateCenter]:
    """Provision and start a private center described by `env` (see center_env); stop it on exit.

    database_url(home) makes the (empty) database and returns its URL; by default SQLite in the state
    directory. prepare(settings) runs before the Asterisk configuration is rendered (a benchmark puts
    its site templates there). `services` are the child processes started (add "console" for it).
    prompts_cache: a directory the prompts are built in once and copied from (see copy_prompts).
    Raises if Asterisk cannot be provisioned or a service does not start.
    """
    env = dict(env)
    home = _fresh_home(env)
    env["HOTLINE_DATABASE_URL"] = database_url(home) if database_url else f"sqlite:///{home / 'hotline.db'}"
    settings = settings_from_env(env, settings_cls)
    runtime = AsteriskRuntime.from_settings(settings)
    migrate.upgrade(settings.db_url)
    database = Database(settings.db_url)
    with database.session() as session:
        seed_demo(session)
    if prompts_cache is None:
        build_prompts(settings)
    else:
        copy_prompts(settings, prompts_cache)
    if prepare is not None:
        prepare(settings)
    runtime.install(progress=progress)
    render_all(settings, runtime)
    started = {s.name: s for s in center_services(settings) if s.name in services}
    for service in started.values():
        service.env = env
    try:
        runtime.start()
        for service in started.values():
            service.start()
        yield PrivateCenter(settings, runtime, database, env, started)
    finally:
        for service in reversed(list(started.values())):
            service.stop()
        runtime.stop()
        database.dispose()
