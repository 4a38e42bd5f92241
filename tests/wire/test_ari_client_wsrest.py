"""AriClient requests on the event WebSocket (RESTRequest frames) against a fake Asterisk."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ari_app.errors import AriNotFound, AriUnavailable
from tests.wire.ari_helpers import make_client, running
from tests.wire.fake_ari import FakeAri, Recorded
from tests.wire.wiretools import until, wire


def transports(fake: FakeAri) -> list[tuple[str, str, str]]:
    return [(r.transport, r.method, r.raw_path) for r in fake.requests if "/ping" not in r.raw_path]


@wire
async def test_only_requests_asterisk_serves_at_once_take_the_websocket() -> None:
    async with FakeAri() as fake:
        fake.routes[("POST", "/ari/channels/c1/play/p1")] = (201, {"id": "p1", "state": "queued"})
        client = make_client(fake.url, [])
        async with running(client):
            await until(lambda: client.rest_on_websocket, what="the WebSocket transport")
            playback = await client.play("c1", "sound:hotline/welcome", "p1", lang="zh")
            await client.stop_playback("p1")
            await client.continue_in_dialplan("c1", "hotline-acd", "rfutian:city:60:zh:futian")
            await client.hangup("c1", "busy")
            await client.set_var("c1", "HOTLINE_X", "1")  # waits for the channel's thread: HTTP
            await client.answer("c1")
        await client.close()
    assert playback == {"id": "p1", "state": "queued"}
    assert transports(fake) == [
        ("ws", "POST", "/ari/channels/c1/play/p1"),
        ("ws", "DELETE", "/ari/playbacks/p1"),
        ("ws", "POST", "/ari/channels/c1/continue"),
        ("ws", "DELETE", "/ari/channels/c1"),
        ("http", "POST", "/ari/channels/c1/variable"),
        ("http", "POST", "/ari/channels/c1/answer"),
    ]
    ws = [r for r in fake.requests if r.transport == "ws" and "/ping" not in r.raw_path]
    assert ws[0].query == {"media": "sound:hotline/welcome", "lang": "zh"}
    assert ws[2].query == {
        "context": "hotline-acd",
        "extension": "rfutian:city:60:zh:futian",
        "priority": "1",
    }
    assert ws[3].query == {"reason": "busy"}


@wire
async def test_an_error_on_the_websocket_is_the_same_exception_as_on_http() -> None:
    async with FakeAri() as fake:
        fake.routes[("DELETE", "/ari/playbacks/gone")] = (404, {"message": "Playback not found"})
        client = make_client(fake.url, [])
        async with running(client):
            await until(lambda: client.rest_on_websocket, what="the WebSocket transport")
            with pytest.raises(AriNotFound) as exc:
                await client.stop_playback("gone")
        await client.close()
    assert (exc.value.status, exc.value.message) == (404, "Playback not found")
    assert [r.transport for r in fake.calls("DELETE", "/ari/playbacks/gone")] == ["ws"]


@wire
async def test_an_asterisk_without_rest_on_the_websocket_gets_everything_on_http() -> None:
    async with FakeAri() as fake:
        fake.ws_rest = False  # the probe goes unanswered, as on Asterisk before 22.3
        connected: list[bool] = []

        async def on_connect() -> None:
            connected.append(True)

        client = make_client(fake.url, [], on_connect=on_connect)
        async with running(client):
            await until(lambda: connected, what="on_connect after the probe gave up")
            await client.play("c1", "sound:x", "p1")
            await client.hangup("c1")
        await client.close()
    assert not client.rest_on_websocket
    assert transports(fake) == [
        ("http", "POST", "/ari/channels/c1/play/p1"),
        ("http", "DELETE", "/ari/channels/c1"),
    ]


@wire
async def test_a_request_in_flight_when_the_socket_drops_fails_and_the_next_connection_serves_again() -> None:
    async with FakeAri() as fake:
        held = asyncio.Event()

        async def hold(rec: Recorded) -> tuple[int, Any]:
            held.set()
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

        fake.routes[("DELETE", "/ari/playbacks/p1")] = hold
        client = make_client(fake.url, [], backoff=(0.05, 0.05))
        async with running(client):
            await until(lambda: client.rest_on_websocket, what="the WebSocket transport")
            stop = asyncio.create_task(client.stop_playback("p1"))
            await held.wait()
            fake.session.abort()
            with pytest.raises(AriUnavailable, match="closed"):
                await asyncio.wait_for(stop, 5)
            await until(lambda: len(fake.sessions) == 2 and client.rest_on_websocket, what="reconnect")
            await client.stop_playback("p2")
        await client.close()
    assert [r.transport for r in fake.calls("DELETE", "/ari/playbacks/p2")] == ["ws"]


@wire
async def test_requests_spread_over_lanes_and_one_channel_keeps_its_lane() -> None:
    async with FakeAri() as fake:
        client = make_client(fake.url, [], rest_lanes=3)
        async with running(client):
            await until(lambda: client.rest_on_websocket == 3, what="three lanes")
            for n in range(30):
                await client.play(f"c{n}", "sound:x", f"p{n}-1")
                await client.continue_in_dialplan(f"c{n}", "hotline-acd", "s")
        await client.close()
    lanes: dict[str, set[str]] = {}
    for r in fake.requests:
        if r.transport == "ws" and "/ping" not in r.raw_path:
            lanes.setdefault(r.raw_path.split("/")[3], set()).add(r.app)
    assert len(lanes) == 30 and all(len(apps) == 1 for apps in lanes.values())  # one lane per channel
    assert set().union(*lanes.values()) == {"hotline", "hotline-rest1", "hotline-rest2"}  # all lanes used
    assert not [r for r in fake.requests if r.transport == "http"]


@wire
async def test_an_unawaited_stop_goes_ahead_of_the_channels_next_request_and_only_a_real_failure_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with FakeAri() as fake:
        answered = asyncio.Event()
        release = asyncio.Event()

        async def slow_stop(rec: Recorded) -> tuple[int, Any]:
            await release.wait()  # Asterisk is slow to answer: the flow must not wait for it
            answered.set()
            return 404, {"message": "Playback not found"}  # it finished meanwhile: no error

        fake.routes[("DELETE", "/ari/playbacks/p1")] = slow_stop
        fake.routes[("DELETE", "/ari/playbacks/p2")] = (500, {"message": "Internal Server Error"})
        client = make_client(fake.url, [], rest_lanes=3)
        async with running(client):
            await until(lambda: client.rest_on_websocket == 3, what="three lanes")
            await client.stop_playback("p1", "c1", wait=False)
            assert not answered.is_set()
            release.set()
            await client.stop_playback("p2", "c2", wait=False)
            await client.continue_in_dialplan("c2", "hotline-acd", "s")
            await until(lambda: answered.is_set() and "playbacks/p2" in caplog.text, what="both answers")
        await client.close()
    sent = [(r.app, r.method, r.raw_path) for r in fake.requests if "/ping" not in r.raw_path]
    lane_of_c2 = next(app for app, _, path in sent if path == "/ari/channels/c2/continue")
    # the stop travels on the lane of its channel, ahead of that channel's next request
    assert [p for app, _, p in sent if app == lane_of_c2 and "c1" not in p and "p1" not in p] == [
        "/ari/playbacks/p2",
        "/ari/channels/c2/continue",
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == ["ARI DELETE /playbacks/p2: status 500"]
