"""A second `hotline asterisk start` does not start a second Asterisk."""

from __future__ import annotations

import pytest

from hotline.asterisk.process import daemon_pids
from tests.integration.center import Center

pytestmark = pytest.mark.integration


def test_second_start_reports_the_running_asterisk_and_starts_none(center: Center) -> None:
    (pid,) = daemon_pids(center.runtime)
    done = center.hotline("asterisk", "start")
    assert done.returncode == 0, done.stderr
    assert f"already running (pid {pid})" in done.stdout + done.stderr
    assert daemon_pids(center.runtime) == [pid]
    status = center.hotline("asterisk", "status")
    assert "running" in status.stdout
