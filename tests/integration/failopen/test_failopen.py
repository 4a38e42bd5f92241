"""With ari_app stopped, a caller still reaches the queue and an agent, and the call is recorded."""

from __future__ import annotations

import pytest

from hotline.sipp.runner import run_call
from tests.integration.center import Center

pytestmark = pytest.mark.integration

CALLER = "13800138003"


def test_caller_reaches_an_agent_while_ari_app_is_down(center: Center) -> None:
    ari_app = center.services["ari_app"]
    ari_app.stop()
    try:
        with center.agent("8001"):
            result = run_call(center.settings, caller=CALLER, hold_s=center.prompt_seconds() + 5)
            assert result.ok, result.report()
    finally:
        ari_app.start()
    call = center.wait_call(lambda c: c["caller_number"] == CALLER and bool(c["recordings"]))
    assert call["via"] == "failopen"
    assert call["queue"] == center.settings.default_queue
    assert call["agent"] == "8001"
    assert call["disposition"] == "answered"
    assert call["recordings"][0]["status"] == "ok"
