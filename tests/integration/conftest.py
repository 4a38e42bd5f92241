"""Integration fixtures: one private center (real Asterisk, FastAGI, ari_app) per test session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from dialplan.render import render_all
from hotline.asterisk.runtime import AsteriskRuntime
from hotline.db import migrate
from hotline.db.session import Database
from hotline.services.seed import seed_demo
from hotline.supervisor import center_services, until
from ivr_prompts.build import build_prompts
from tests.dbutil import db_kind, drop_database, fresh_database
from tests.integration.center import REPO, Center, center_env, settings_from_env

DB_NAME = "hotline_integration"


@pytest.fixture(scope="session")
def center() -> Iterator[Center]:
    """Provision and start a private center; fails loudly if Asterisk cannot be provisioned."""
    home = REPO / "var" / "test" / db_kind()
    env = center_env(home, 25000)
    AsteriskRuntime.from_settings(settings_from_env(env)).stop()  # a crashed earlier run may have left one
    if home.exists():
        shutil.rmtree(home, ignore_errors=False)
    home.mkdir(parents=True)
    url = fresh_database(DB_NAME, home)
    env["HOTLINE_DATABASE_URL"] = url
    settings = settings_from_env(env)
    runtime = AsteriskRuntime.from_settings(settings)
    migrate.upgrade(url)
    database = Database(url)
    with database.session() as session:
        seed_demo(session)
    build_prompts(settings)
    runtime.install(progress=print)
    render_all(settings, runtime)
    runtime.start()
    services = {s.name: s for s in center_services(settings) if s.name != "console"}
    for service in services.values():
        service.env = env
    try:
        for service in services.values():
            service.start()
        yield Center(settings, runtime, database, env, services)
    finally:
        for service in reversed(list(services.values())):
            service.stop()
        runtime.stop()
        database.dispose()
        drop_database(DB_NAME)


@pytest.fixture(autouse=True)
def no_channel_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """The testsuite's post-condition: after a test that used the center, Asterisk has no channel."""
    yield
    if "center" not in request.fixturenames:
        return
    center: Center = request.getfixturevalue("center")
    assert until(lambda: center.active_channels() == 0, 15, 0.25), center.cli("core show channels")
