"""Integration fixtures: one private center (real Asterisk, FastAGI, ari_app, console) per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hotline.supervisor import until
from hotline.testcenter import SERVICES, PortSettings, private_center
from tests.dbutil import db_kind, drop_database, fresh_database, worker, worker_name
from tests.integration.center import REPO, Center, center_env

DB_NAME = worker_name("hotline_integration")
# Each pytest-xdist worker runs its own center: ports from BASE, SIPp's own ports apart too.
# Per worker: the center at BASE (21000, 25000, 29000 for the Makefile's three workers: all below the
# ephemeral range, 32768+), a second center of a test (hotline up, the Asterisk lifecycle) at
# BASE + 1000, SIPp's own ports at BASE + 2100 / + 2400 and media from 31000.
BASE = 21000 + 4000 * worker()
SECOND_BASE = BASE + 1000
SIPP_PORTS = {
    "HOTLINE_SIPP_AGENT_PORT": str(BASE + 2100),
    "HOTLINE_SIPP_CALLER_PORT": str(BASE + 2400),
    "HOTLINE_SIPP_MEDIA_PORT": str(31000 + 4000 * worker()),
}
# The center's clock starts on a Monday morning, so business hours never depend on when tests run.
CLOCK = "2026-11-23T10:00:00+08:00"
# Calls out through the carrier (IVR transfers) reach a SIPp phone the transfer test runs here.
CARRIER_OUT = ("127.0.0.2", BASE + 91)


@pytest.fixture(scope="session")
def center() -> Iterator[Center]:
    """Provision and start a private center; fails loudly if Asterisk cannot be provisioned."""
    env = {
        **center_env(REPO / "var" / "test" / f"{db_kind()}-{worker()}", BASE),
        **SIPP_PORTS,
        "HOTLINE_CLOCK": CLOCK,
        "HOTLINE_CARRIER_CONTACT": f"sip:{CARRIER_OUT[0]}:{CARRIER_OUT[1]}",
    }
    try:
        with private_center(
            env,
            database_url=lambda home: fresh_database(DB_NAME, home),
            settings_cls=PortSettings,
            services=(*SERVICES, "console"),  # the browser tests use the console
            prompts_cache=REPO / "var" / "test" / "prompts",  # built by the first center, copied
        ) as started:
            yield Center(**vars(started))
    finally:
        drop_database(DB_NAME)


@pytest.fixture(autouse=True)
def no_channel_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """The testsuite's post-condition: after a test that used the center, Asterisk has no channel."""
    yield
    if "center" not in request.fixturenames:
        return
    center: Center = request.getfixturevalue("center")
    assert until(lambda: center.active_channels() == 0, 15, 0.25), center.cli("core show channels")
