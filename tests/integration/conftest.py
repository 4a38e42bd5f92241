"""Integration fixtures: one private center (real Asterisk, FastAGI, ari_app) per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hotline.supervisor import until
from hotline.testcenter import private_center
from tests.dbutil import db_kind, drop_database, fresh_database
from tests.integration.center import REPO, Center, center_env

DB_NAME = "hotline_integration"
# The center's clock starts on a Monday morning, so business hours never depend on when tests run.
CLOCK = "2026-11-23T10:00:00+08:00"
# Calls out through the carrier (IVR transfers) reach a SIPp phone the transfer test runs here.
CARRIER_OUT = ("127.0.0.2", 25091)


@pytest.fixture(scope="session")
def center() -> Iterator[Center]:
    """Provision and start a private center; fails loudly if Asterisk cannot be provisioned."""
    env = {
        **center_env(REPO / "var" / "test" / db_kind(), 25000),
        "HOTLINE_CLOCK": CLOCK,
        "HOTLINE_CARRIER_CONTACT": f"sip:{CARRIER_OUT[0]}:{CARRIER_OUT[1]}",
    }
    try:
        with private_center(env, database_url=lambda home: fresh_database(DB_NAME, home)) as started:
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
