"""ari_app keeps a call in progress through an ARI WebSocket shutdown (Asterisk 22 CLI)."""

from __future__ import annotations

import pytest

from hotline.sipp.runner import start_call
from hotline.supervisor import until
from tests.integration.center import Center

pytestmark = pytest.mark.integration

CALLER = "13800138002"


def test_call_in_stasis_survives_websocket_shutdown_and_reaches_an_agent(center: Center) -> None:
    before = center.ari_status()["reconnects"]
    with center.agent("8001"):
        caller = start_call(center.settings, caller=CALLER, hold_s=center.prompt_seconds() + 10)
        # the call row is written on answer, while the welcome prompt still plays in Stasis
        center.wait_call(lambda c: c["caller_number"] == CALLER, timeout=10)
        assert len(center.channels_in("Stasis")) == 1
        out = center.cli("ari shutdown websocket sessions")
        assert until(lambda: center.ari_status()["reconnects"] > before, 15), out
        assert until(lambda: center.ari_status()["connected"], 15)
        result = caller.wait()
        assert result.ok, result.report()
    call = center.wait_call(lambda c: c["caller_number"] == CALLER and bool(c["recordings"]))
    assert call["via"] == "ari"
    assert call["agent"] == "8001"
    assert call["recordings"][0]["status"] == "ok"
