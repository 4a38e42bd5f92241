"""ari_app keeps a call in progress through an ARI WebSocket shutdown (Asterisk 22 CLI)."""

from __future__ import annotations

import pytest

from hotline.sipp.runner import start_call
from hotline.supervisor import until
from tests.integration.center import Center

pytestmark = pytest.mark.integration

CALLER = "13800138022"  # unknown: asked for a district, presses 0 for a person (city)


def test_call_in_stasis_survives_websocket_shutdown_and_reaches_an_agent(center: Center) -> None:
    before = center.ari_status()["reconnects"]
    with center.agent("8001"):
        # the digit is pressed after the reconnect: a digit sent while disconnected would be lost
        caller = start_call(
            center.settings, caller=CALLER, digits="0", delay_s=6.0, hold_s=center.prompt_seconds() + 10
        )
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


def test_prompt_end_lost_while_disconnected_is_recovered_on_reconnect(center: Center) -> None:
    """Asterisk refuses the WebSocket while the prompt ends: the PlaybackFinished event is lost,
    and ari_app must learn it from GET /playbacks after reconnecting."""
    caller_number = "13800138005"
    http_conf = center.runtime.etc_dir / "http.conf"
    original = http_conf.read_text()
    port = center.settings.http_port
    with center.agent("8001"):
        delay = center.prompt_seconds() + 9  # after the reconnect
        caller = start_call(center.settings, caller=caller_number, digits="0", delay_s=delay, hold_s=10)
        center.wait_call(lambda c: c["caller_number"] == caller_number, timeout=10)
        before = center.ari_status()["reconnects"]
        try:
            http_conf.write_text(original.replace(f"bindport = {port}", f"bindport = {port + 1}"))
            center.cli("module reload http")
            center.cli("ari shutdown websocket sessions")
            assert until(lambda: not center.ari_status()["connected"], 5)
            assert until(lambda: not center.channels_in("Stasis"), center.prompt_seconds() + 5) is False
        finally:
            http_conf.write_text(original)
            center.cli("module reload http")
        assert until(lambda: center.ari_status()["reconnects"] > before, 20)
        result = caller.wait()
        assert result.ok, result.report()
    call = center.wait_call(lambda c: c["caller_number"] == caller_number and bool(c["recordings"]))
    assert call["agent"] == "8001"
    assert call["via"] == "ari"


def test_channel_orphaned_by_a_killed_ari_app_is_taken_back_after_restart(center: Center) -> None:
    caller_number = "13800138006"
    ari_app = center.services["ari_app"]
    with center.agent("8001"):
        caller = start_call(center.settings, caller=caller_number, hold_s=center.prompt_seconds() + 12)
        center.wait_call(lambda c: c["caller_number"] == caller_number, timeout=10)
        assert ari_app.proc is not None
        ari_app.proc.kill()  # no chance to hand its calls back
        ari_app.proc.wait(5)
        assert len(center.channels_in("Stasis")) == 1
        ari_app.start()
        result = caller.wait()
        assert result.ok, result.report()
    call = center.wait_call(lambda c: c["caller_number"] == caller_number and bool(c["recordings"]))
    assert call["agent"] == "8001"
