"""AriClient events against a fake Asterisk on real sockets: delivery, reconnects, close."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from ari_app.client import AriClient
from tests.wire.ari_helpers import APP, FILTER_PATH, ev, free_port, make_client, retry_delays, running
from tests.wire.fake_ari import FakeAri, Recorded
from tests.wire.wiretools import until, wire


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
        client = make_client(fake.url, [], ping_interval=0.2, ping_timeout=0.2)
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
    assert body == {"allowed": [{"type": "StasisStart"}, {"type": "StasisEnd"}, {"type": "RESTResponse"}]}


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
