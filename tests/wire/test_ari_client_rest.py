"""AriClient REST against a fake Asterisk on real sockets: error mapping, ids, helpers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ari_app.errors import AriBadRequest, AriConflict, AriError, AriNotFound, AriUnavailable
from tests.wire.ari_helpers import APP, free_port, make_client
from tests.wire.fake_ari import FakeAri, Recorded
from tests.wire.wiretools import wire


# ---- REST --------------------------------------------------------------------------
@wire
async def test_rest_errors_map_to_exceptions_with_status_message_and_path() -> None:
    async with FakeAri() as fake:
        fake.routes[("GET", "/ari/channels/gone")] = (404, {"message": "Channel not found"})
        fake.routes[("POST", "/ari/channels/c1/answer")] = (409, {"message": "Channel not in Stasis"})
        fake.routes[("POST", "/ari/channels/c1/play/p1")] = (400, {"message": "media: bad scheme"})
        fake.routes[("DELETE", "/ari/bridges/b1")] = (500, {"message": "Internal Server Error"})
        client = make_client(fake.url, [])
        with pytest.raises(AriNotFound) as not_found:
            await client.req("GET", "/channels/gone")
        with pytest.raises(AriConflict) as conflict:
            await client.answer("c1")
        with pytest.raises(AriBadRequest):
            await client.play("c1", "media:x", "p1")
        with pytest.raises(AriError) as server_error:
            await client.destroy_bridge("b1")
        await client.close()
    assert (not_found.value.status, not_found.value.message) == (404, "Channel not found")
    assert (not_found.value.method, not_found.value.path) == ("GET", "/channels/gone")
    assert conflict.value.status == 409 and "Stasis" in conflict.value.message
    assert server_error.value.status == 500 and type(server_error.value) is AriError


@wire
async def test_unreachable_or_silent_asterisk_raises_ari_unavailable() -> None:
    refused = make_client(f"http://127.0.0.1:{free_port()}", [])
    with pytest.raises(AriUnavailable) as exc:
        await refused.list_channels()
    assert exc.value.status is None and isinstance(exc.value, AriError)
    await refused.close()

    async def hang(rec: Recorded) -> tuple[int, Any]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async with FakeAri() as fake:
        fake.routes[("GET", "/ari/channels")] = hang
        silent = make_client(fake.url, [], timeout=0.3)
        with pytest.raises(AriUnavailable, match="no reply"):
            await silent.list_channels()
        await silent.close()


@wire
async def test_ids_are_percent_encoded_as_one_path_segment() -> None:
    async with FakeAri() as fake:
        client = make_client(fake.url, [])
        await client.play("PJSIP/sipp-0001", "sound:hotline/welcome", "play-c 1/welcome", lang="zh")
        await client.stop_recording("hotline/2026/call-1")
        await client.get_channel("a/b?c#d")
        await client.close()
    play, stop, get = fake.requests
    assert play.raw_path == "/ari/channels/PJSIP%2Fsipp-0001/play/play-c%201%2Fwelcome"
    assert play.query == {"media": "sound:hotline/welcome", "lang": "zh"}
    assert stop.raw_path == "/ari/recordings/live/hotline%2F2026%2Fcall-1/stop"
    assert get.raw_path == "/ari/channels/a%2Fb%3Fc%23d"


@wire
async def test_lookups_return_none_for_what_is_gone() -> None:
    async with FakeAri() as fake:
        fake.routes[("GET", "/ari/playbacks/p1")] = (404, {"message": "Playback not found"})
        fake.routes[("GET", "/ari/channels/c1")] = (404, {"message": "Channel not found"})
        unset = {"message": "Provided variable was not found"}
        fake.routes[("GET", "/ari/channels/c1/variable")] = (404, unset)
        fake.routes[("GET", "/ari/channels/c2/variable")] = (404, {"message": "Channel not found"})
        fake.routes[("GET", "/ari/channels/c3/variable")] = (200, {"value": "zh"})
        client = make_client(fake.url, [])
        assert await client.get_playback("p1") is None
        assert await client.get_channel("c1") is None
        assert await client.get_var("c1", "HOTLINE_LANG") is None
        with pytest.raises(AriNotFound):
            await client.get_var("c2", "HOTLINE_LANG")
        assert await client.get_var("c3", "HOTLINE_LANG") == "zh"
        await client.close()


@wire
async def test_helpers_send_the_documented_ari_requests() -> None:
    async with FakeAri() as fake:
        fake.routes[("GET", "/ari/channels")] = (200, [{"id": "c1"}])
        fake.routes[("GET", f"/ari/applications/{APP}")] = (200, {"name": APP, "channel_ids": ["c1"]})
        fake.routes[("POST", "/ari/channels/c1/answer")] = (204, None)
        client = make_client(fake.url, [])
        await client.answer("c1")
        await client.hangup("c1", reason="busy")
        await client.set_var("c1", "HOTLINE_CALL_ID", "42")
        await client.continue_in_dialplan("c1", "hotline-failopen", "s")
        await client.originate("PJSIP/agent1", channel_id="agent-42", app_args="acd,42", variables={"X": "1"})
        await client.snoop("c1", "snoop-42-sup1", spy="both", app_args="supervisor")
        await client.record("acd-q1", "hotline/42", target="bridges", if_exists="overwrite")
        await client.create_bridge("acd-q1-hold", "holding")
        await client.add_to_bridge("acd-q1-hold", ["c1", "c2"], role="announcer")
        await client.remove_from_bridge("acd-q1-hold", "c1")
        await client.stop_playback("play-42-welcome")
        await client.subscribe("endpoint:PJSIP/agent1")
        channels = await client.list_channels()
        application = await client.get_application()
        await client.close()
    assert channels == [{"id": "c1"}] and application["channel_ids"] == ["c1"]
    seen = [(r.method, r.raw_path, r.query, r.body) for r in fake.requests]
    assert seen == [
        ("POST", "/ari/channels/c1/answer", {}, None),
        ("DELETE", "/ari/channels/c1", {"reason": "busy"}, None),
        ("POST", "/ari/channels/c1/variable", {"variable": "HOTLINE_CALL_ID", "value": "42"}, None),
        (
            "POST",
            "/ari/channels/c1/continue",
            {"context": "hotline-failopen", "extension": "s", "priority": "1"},
            None,
        ),
        (
            "POST",
            "/ari/channels",
            {
                "endpoint": "PJSIP/agent1",
                "app": APP,
                "appArgs": "acd,42",
                "timeout": "30",
                "channelId": "agent-42",
            },
            {"variables": {"X": "1"}},
        ),
        (
            "POST",
            "/ari/channels/c1/snoop/snoop-42-sup1",
            {"app": APP, "spy": "both", "whisper": "none", "appArgs": "supervisor"},
            None,
        ),
        (
            "POST",
            "/ari/bridges/acd-q1/record",
            {
                "name": "hotline/42",
                "format": "wav",
                "ifExists": "overwrite",
                "beep": "false",
                "terminateOn": "none",
            },
            None,
        ),
        ("POST", "/ari/bridges/acd-q1-hold", {"type": "holding"}, None),
        ("POST", "/ari/bridges/acd-q1-hold/addChannel", {"channel": "c1,c2", "role": "announcer"}, None),
        ("POST", "/ari/bridges/acd-q1-hold/removeChannel", {"channel": "c1"}, None),
        ("DELETE", "/ari/playbacks/play-42-welcome", {}, None),
        ("POST", f"/ari/applications/{APP}/subscription", {"eventSource": "endpoint:PJSIP/agent1"}, None),
        ("GET", "/ari/channels", {}, None),
        ("GET", f"/ari/applications/{APP}", {}, None),
    ]
    assert all(r.headers["authorization"] == fake.auth for r in fake.requests)
