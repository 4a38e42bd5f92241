"""DTMF from SIPp callers reaches Asterisk intact: RFC 4733 (one generated pcap) and SIP INFO."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ari_app.client import AriClient
from hotline.secrets import SecretStore
from hotline.sipp.runner import start_call
from tests.integration.center import Center

pytestmark = pytest.mark.integration

DIGITS = "4422*#90"


async def received_digits(center: Center, caller: str, mode: str) -> str:
    """Place a call sending DIGITS; a second ARI app subscribes to its channel and collects the DTMF."""
    digits: list[str] = []
    settings = center.settings
    spy = AriClient(
        settings.ari_url,
        settings.ari_app,
        SecretStore.for_home(settings.home).ari_password(),
        "hotline-dtmf-test",
        on_event=lambda e: digits.append(e["digit"]) if e.get("type") == "ChannelDtmfReceived" else None,
    )
    runner = asyncio.create_task(spy.run())
    try:
        await asyncio.wait_for(spy.connected.wait(), 10)
        call = await asyncio.to_thread(
            start_call, settings, caller=caller, digits=DIGITS, dtmf_mode=mode, delay_s=2.0, hold_s=8
        )
        row: dict[str, Any] = await asyncio.to_thread(
            center.wait_call, lambda c: c["caller_number"] == caller, 10
        )
        await spy.subscribe(f"channel:{row['channel_id']}")
        result = await asyncio.to_thread(call.wait)
        assert result.ok, result.report()
    finally:
        await spy.close()
        runner.cancel()
    return "".join(digits)


@pytest.mark.parametrize(("mode", "caller"), [("rfc4733", "13800138011"), ("info", "13800138012")])
def test_repeated_and_descending_digits_arrive_in_order(center: Center, mode: str, caller: str) -> None:
    assert asyncio.run(received_digits(center, caller, mode)) == DIGITS
