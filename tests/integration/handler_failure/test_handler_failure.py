"""A failing ari_app handler returns the caller to the dialplan: the caller still reaches an agent."""

from __future__ import annotations

import pytest

from hotline.sipp.runner import run_call
from tests.integration.center import Center

pytestmark = pytest.mark.integration

CALLER = "13800138007"
UNREACHABLE_DB = "postgresql://hotline@127.0.0.1:1/nowhere"


def test_caller_reaches_an_agent_when_ari_app_cannot_write_the_call(center: Center) -> None:
    ari_app = center.services["ari_app"]
    ari_app.stop()
    ari_app.env = {**center.env, "HOTLINE_DATABASE_URL": UNREACHABLE_DB}
    try:
        ari_app.start()
        with center.agent("8001"):
            result = run_call(center.settings, caller=CALLER, hold_s=6)
            assert result.ok, result.report()
    finally:
        ari_app.stop()
        ari_app.env = center.env
        ari_app.start()
    log = ari_app.log_path.read_text()
    assert "handler failed; returning channel" in log
    # the fail-open path (FastAGI, which reaches the database) registered and closed the call
    call = center.wait_call(lambda c: c["caller_number"] == CALLER and bool(c["recordings"]))
    assert call["via"] == "failopen"
    assert call["agent"] == "8001"
    assert call["recordings"][0]["status"] == "ok"
