"""AriClient against a fake Asterisk on real sockets: events, reconnects, REST errors, ids."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from ari_app.client import AriClient
from ari_app.errors import AriBadRequest, AriConflict, AriError, AriNotFound, AriUnavailable
from tests.wire.fake_ari import FakeAri, Recorded
from tests.wire.wiretools import until, wire

APP = "hotline"
FILTER_PATH = f"/ari/applications/{APP}/eventFilter"


def make_client(fake_url: str, events: list[dict[str, Any]], **kwargs: Any) -> AriClient:
    kwargs.setdefault("backoff", (0.05, 0.4))
    return AriClient(fake_url, "hotline", "secret", APP, on_event=events.append, **kwargs)


@asynccontextmanager
async def running(client: AriClient) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(client.run())
    try:
        yield task
    finally:
        await asyncio.wait_for(client.close(), 5)
        await asyncio.wait_for(task, 5)


def ev(n: int, kind: str = "ChannelDtmfReceived") -> dict[str, Any]:
    return {"type": kind, "n": n, "application": APP}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def retry_delays(caplog: pytest.LogCaptureFixture) -> list[float]:
    found = [re.search(r"(?:reconnecting|retrying) in ([\d.]+) s", r.getMessage()) for r in caplog.records]
    return [float(m.group(1)) for m in found if m]


# ---- events ------------------------------------------------------------------------
@wire
async def test_events_reach_on_event_in_order_over_an_authenticated_app_socket() -> None:
    events: list[dict[str, Any]] = []
    async with FakeAri() as fake:
        client = make_client(fake.url, events)
        async with running(client):
            await until(client.connected.is_set, what="connected")
            for n in range(200):
                await fake.session.send(ev(n))
            await until(lambda: len(events) == 200, what="200 events")
        request = fake.ws_requests[0]
    assert [e["n"] for e in events] == list(range(200))
    assert request.path == f"/ari/events?app={APP}&subscribeAll=false"
    assert request.headers["Authorization"] == fake.auth


@wire
async def test_api_key_auth_puts_credentials_in_the_query_not_a_header() -> None:
    async with FakeAri() as fake:
        client = make_client(fake.url, [], ws_auth="api_key")
        async with running(client):
            await until(lambda: len(fake.ws_requests) == 1)
    assert "api_key=hotline%3Asecret" in fake.ws_requests[0].path
    assert "Authorization" not in fake.ws_requests[0].headers


@wire
async def test_on_connect_runs_after_connect_and_again_after_a_graceful_close(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="ari_app")
    events: list[dict[str, Any]] = []
    connects: list[int] = []

    async def on_connect() -> None:
        connects.append(len(fake.sessions))

    async with FakeAri() as fake:
        client = make_client(fake.url, events, on_connect=on_connect)
        async with running(client):
            await until(lambda: connects == [1], what="first on_connect")
            await fake.session.close(1000, "shutdown")
            await until(lambda: client.reconnects == 1 and connects == [1, 2], what="reconnect")
            await fake.session.send(ev(1))
            await until(lambda: len(events) == 1)
    losses = [r for r in caplog.records if "connection lost" in r.getMessage()]
    assert len(losses) == 1 and losses[0].levelno == logging.WARNING
    assert "code 1000" in losses[0].getMessage() and "shutdown" in losses[0].getMessage()


@wire
async def test_abrupt_drop_without_close_frame_reconnects_and_keeps_delivering(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="ari_app")
    events: list[dict[str, Any]] = []
    async with FakeAri() as fake:
        client = make_client(fake.url, events)
        async with running(client):
            await until(client.connected.is_set)
            await fake.session.send(ev(1))
            await until(lambda: len(events) == 1)
            fake.session.abort()
            await until(lambda: client.reconnects == 1 and client.connected.is_set(), what="reconnect")
            await fake.sessions[1].send(ev(2))
            await until(lambda: len(events) == 2)
    assert [e["n"] for e in events] == [1, 2]
    [loss] = [r for r in caplog.records if "connection lost" in r.getMessage()]
    assert loss.levelno == logging.WARNING and "abnormal" in loss.getMessage()


@wire
async def test_a_peer_that_stops_answering_pings_is_dropped_and_replaced() -> None:
    async with FakeAri() as fake:
        client = make_client(fake.url, [], ping_interval=0.2)
        async with running(client):
            await until(client.connected.is_set)
            fake.session.freeze()
            await until(lambda: client.reconnects == 1 and client.connected.is_set(), what="reconnect")


@wire
async def test_reconnect_backoff_doubles_to_the_cap_and_resets_after_a_connect(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="ari_app")
    async with FakeAri() as fake:
        fake.ws_reject = 503
        client = make_client(fake.url, [], backoff=(0.05, 0.2))
        async with running(client):
            await until(lambda: len(fake.ws_requests) >= 5, what="5 refused attempts")
            fake.ws_reject = None
            await until(client.connected.is_set, what="connected")
            refused = retry_delays(caplog)
            await fake.session.close()
            await until(lambda: len(retry_delays(caplog)) > len(refused), what="loss logged")
            await until(lambda: client.reconnects == 1)
    assert refused[:5] == [0.05, 0.1, 0.2, 0.2, 0.2]
    assert "HTTP 503" in caplog.records[0].getMessage()
    assert retry_delays(caplog)[len(refused)] == 0.05


@wire
async def test_a_slow_on_connect_does_not_delay_event_delivery() -> None:
    events: list[dict[str, Any]] = []
    gate = asyncio.Event()
    finished: list[bool] = []

    async def on_connect() -> None:
        await gate.wait()
        finished.append(True)

    async with FakeAri() as fake:
        client = make_client(fake.url, events, on_connect=on_connect)
        async with running(client):
            await until(client.connected.is_set)
            for n in range(20):
                await fake.session.send(ev(n))
            await until(lambda: len(events) == 20, what="events while on_connect waits")
            assert finished == []
            gate.set()
            await until(lambda: finished == [True])


@wire
async def test_bad_frames_and_failing_handlers_are_logged_and_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[dict[str, Any]] = []

    def on_event(event: dict[str, Any]) -> None:
        if event.get("boom"):
            raise RuntimeError("handler bug")
        events.append(event)

    async def on_connect() -> None:
        raise RuntimeError("reconcile bug")

    async with FakeAri() as fake:
        client = AriClient(fake.url, "hotline", "secret", APP, on_event=on_event, on_connect=on_connect)
        async with running(client):
            await until(client.connected.is_set)
            await fake.session.send("{not json")
            await fake.session.send("[1, 2]")
            await fake.session.send({"type": "StasisStart", "boom": True})
            await fake.session.send(ev(7))
            await until(lambda: len(events) == 1)
            assert client.reconnects == 0 and client.connected.is_set()
    assert events[0]["n"] == 7
    messages = [r.getMessage() for r in caplog.records]
    assert any("not JSON" in m for m in messages)
    assert any("handler failed on StasisStart" in m for m in messages)
    assert any("on_connect failed" in m for m in messages)


@wire
async def test_event_filter_is_put_on_every_connect_before_on_connect() -> None:
    order: list[str] = []

    async def filtered(rec: Recorded) -> tuple[int, Any]:
        order.append("filter")
        return 200, {"name": APP}

    async def on_connect() -> None:
        order.append("on_connect")

    async with FakeAri() as fake:
        fake.routes[("PUT", FILTER_PATH)] = filtered
        types = ["StasisStart", "StasisEnd"]
        client = make_client(fake.url, [], on_connect=on_connect, event_types=types)
        async with running(client):
            await until(lambda: order == ["filter", "on_connect"])
            fake.session.abort()
            await until(lambda: order == ["filter", "on_connect"] * 2)
        body = fake.calls("PUT", FILTER_PATH)[0].body
    assert body == {"allowed": [{"type": "StasisStart"}, {"type": "StasisEnd"}]}


@wire
async def test_an_asterisk_without_event_filters_is_tolerated(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ari_app")
    connects: list[bool] = []
    events: list[dict[str, Any]] = []

    async def on_connect() -> None:
        connects.append(True)

    async with FakeAri() as fake:
        fake.routes[("PUT", FILTER_PATH)] = (405, {"message": "Method Not Allowed"})
        client = make_client(fake.url, events, on_connect=on_connect, event_types=["StasisStart"])
        async with running(client):
            await until(lambda: connects == [True])
            await fake.session.send(ev(1))
            await until(lambda: len(events) == 1)
    [note] = [r for r in caplog.records if "event filter" in r.getMessage()]
    assert note.levelno == logging.INFO


# ---- close -------------------------------------------------------------------------
@wire
async def test_close_returns_promptly_and_leaves_nothing_pending() -> None:
    blocked = asyncio.Event()

    async def on_connect() -> None:
        blocked.set()
        await asyncio.Event().wait()  # a reconcile that never ends

    async with FakeAri() as fake:
        client = make_client(fake.url, [], on_connect=on_connect)
        run_task = asyncio.create_task(client.run())
        await until(blocked.is_set)
        await asyncio.wait_for(client.close(), 3)
        await asyncio.wait_for(run_task, 3)
        assert run_task.result() is None
        await until(lambda: fake.sessions[0].closed.is_set(), what="server saw the close")
    assert not client.connected.is_set()
    assert asyncio.all_tasks() == {asyncio.current_task()}


@wire
async def test_close_during_backoff_with_asterisk_down_returns_promptly() -> None:
    client = make_client(f"http://127.0.0.1:{free_port()}", [], backoff=(5.0, 5.0))
    run_task = asyncio.create_task(client.run())
    await until(lambda: client._events._loop_task is not None)
    await asyncio.sleep(0)
    await asyncio.wait_for(client.close(), 3)
    await asyncio.wait_for(run_task, 3)
    assert asyncio.all_tasks() == {asyncio.current_task()}


@wire
async def test_cancelling_the_run_task_cancels_the_reader() -> None:
    async with FakeAri() as fake:
        client = make_client(fake.url, [])
        run_task = asyncio.create_task(client.run())
        await until(client.connected.is_set)
        run_task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run_task
        await client.close()
    assert asyncio.all_tasks() == {asyncio.current_task()}


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
        ("POST", "/ari/channels/c1/continue",
         {"context": "hotline-failopen", "extension": "s", "priority": "1"}, None),
        ("POST", "/ari/channels", {"endpoint": "PJSIP/agent1", "app": APP, "appArgs": "acd,42",
                                   "timeout": "30", "channelId": "agent-42"}, {"variables": {"X": "1"}}),
        ("POST", "/ari/channels/c1/snoop/snoop-42-sup1",
         {"app": APP, "spy": "both", "whisper": "none", "appArgs": "supervisor"}, None),
        ("POST", "/ari/bridges/acd-q1/record",
         {"name": "hotline/42", "format": "wav", "ifExists": "overwrite", "beep": "false",
          "terminateOn": "none"}, None),
        ("POST", "/ari/bridges/acd-q1-hold", {"type": "holding"}, None),
        ("POST", "/ari/bridges/acd-q1-hold/addChannel", {"channel": "c1,c2", "role": "announcer"}, None),
        ("POST", "/ari/bridges/acd-q1-hold/removeChannel", {"channel": "c1"}, None),
        ("DELETE", "/ari/playbacks/play-42-welcome", {}, None),
        ("POST", f"/ari/applications/{APP}/subscription", {"eventSource": "endpoint:PJSIP/agent1"}, None),
        ("GET", "/ari/channels", {}, None),
        ("GET", f"/ari/applications/{APP}", {}, None),
    ]
    assert all(r.headers["authorization"] == fake.auth for r in fake.requests)
