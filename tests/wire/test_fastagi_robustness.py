"""FastAgiServer against a fake Asterisk: probes, stalls, failures, load and shutdown."""

from __future__ import annotations

import asyncio
import logging

import pytest

from agi.protocol import AgiConnectionLost, AgiTimeout
from agi.server import AgiRequest, FastAgiServer
from tests.wire.agitools import FakeAsterisk, agi_call, serving
from tests.wire.wiretools import until, wire


# ---- robustness -------------------------------------------------------------------
@wire
async def test_probes_garbage_and_stalls_do_not_hold_up_the_next_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="agi")
    served: list[str] = []

    async def ok(req: AgiRequest) -> None:
        served.append(req.uniqueid)

    async with serving({"ok": ok}, header_timeout=2.0) as server:
        stalled = await FakeAsterisk.connect(server.port)
        stalled.writer.write(b"agi_network: yes\nagi_network_script: ok\n")  # and then nothing
        probe = await FakeAsterisk.connect(server.port)
        probe.writer.close()
        half = await FakeAsterisk.connect(server.port)
        half.writer.write(b"agi_network: yes\nagi_chan")
        half.writer.close()
        garbage = await FakeAsterisk.connect(server.port)
        garbage.writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        real = await FakeAsterisk.connect(server.port)
        await real.send_headers("ok", uniqueid="after-the-noise")
        assert await real.read_command() is None
        assert served == ["after-the-noise"]
        assert await garbage.read_command() is None
        assert await stalled.read_command() is None  # closed by the header timeout
    levels = {
        r.getMessage().split(": ", 1)[1].split(" (")[0]: r.levelno
        for r in caplog.records
        if r.name == "agi.server" and "AGI 127.0.0.1" in r.getMessage()
    }
    assert levels["connected and closed without a request"] == logging.DEBUG
    assert levels["closed inside the header block"] == logging.WARNING
    assert levels["no complete header block within 2.0 s"] == logging.WARNING
    assert any("not an AGI header: 'GET / HTTP/1.1'" in m for m in caplog.messages)
    order = [m for m in caplog.messages if "AGI ok" in m or "no complete header block" in m]
    assert "AGI ok" in order[0], "the real request waited for the stalled one"


@wire
async def test_many_requests_are_served_concurrently() -> None:
    count = 40
    inside: list[str] = []
    everyone_in = asyncio.Event()

    async def hold(req: AgiRequest) -> None:
        inside.append(req.uniqueid)
        if len(inside) == count:
            everyone_in.set()
        await everyone_in.wait()  # only returns if all `count` handlers run at once
        await req.set_variable("HOTLINE_CALL_ID", req.uniqueid)

    async def one(n: int) -> list[str]:
        fake = await FakeAsterisk.connect(server.port)
        await fake.send_headers("hold", uniqueid=f"u{n}")
        return await fake.converse()

    async with serving({"hold": hold}) as server:
        results = await asyncio.gather(*(one(n) for n in range(count)))
    assert sorted(results) == sorted([[f'SET VARIABLE HOTLINE_CALL_ID "u{n}"'] for n in range(count)])


@wire
async def test_a_failing_handler_is_logged_and_the_server_keeps_serving(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(req: AgiRequest) -> None:
        await req.set_variable("STEP", "1")
        raise RuntimeError("bug in script")

    async def fine(req: AgiRequest) -> None:
        await req.set_variable("STEP", "2")

    async with serving({"broken": broken, "fine": fine}) as server:
        assert await agi_call(server.port, "broken") == ['SET VARIABLE STEP "1"']
        assert await agi_call(server.port, "fine") == ['SET VARIABLE STEP "2"']
    [failure] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "AGI script broken failed" in failure.getMessage() and failure.exc_info is not None


@wire
async def test_an_unanswered_command_times_out_and_closes_the_connection(
    caplog: pytest.LogCaptureFixture,
) -> None:
    errors: list[BaseException] = []

    async def waits(req: AgiRequest) -> None:
        try:
            await req.get_variable("X")
        except AgiTimeout as exc:
            errors.append(exc)
            raise

    async with serving({"waits": waits}, command_timeout=0.3) as server:
        fake = await FakeAsterisk.connect(server.port)
        await fake.send_headers("waits")
        assert await fake.read_command() == "GET VARIABLE X"
        assert await fake.read_command() is None  # the server gave up and closed
        assert await agi_call(server.port, "waits") == ["GET VARIABLE X"]
    assert len(errors) == 1
    assert any(
        r.levelno == logging.WARNING and "aborted: no reply to GET within 0.3 s" in r.getMessage()
        for r in caplog.records
    )


@wire
async def test_asterisk_closing_mid_script_ends_it_quietly(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="agi")
    raised: list[BaseException] = []

    async def script(req: AgiRequest) -> None:
        try:
            await req.set_variable("X", "1")
        except AgiConnectionLost as exc:
            raised.append(exc)
            raise

    async with serving({"script": script}) as server:
        fake = await FakeAsterisk.connect(server.port)
        await fake.send_headers("script")
        assert await fake.read_command() == 'SET VARIABLE X "1"'
        fake.writer.close()
        await until(lambda: raised, what="handler saw the close")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("ended early" in r.getMessage() for r in caplog.records)


@wire
async def test_stop_cuts_off_running_scripts_and_leaves_nothing_pending(
    caplog: pytest.LogCaptureFixture,
) -> None:
    started = asyncio.Event()

    async def forever(req: AgiRequest) -> None:
        started.set()
        await asyncio.Event().wait()

    server = FastAgiServer("127.0.0.1", 0, {"forever": forever})
    await server.start()
    fake = await FakeAsterisk.connect(server.port)
    await fake.send_headers("forever")
    await until(started.is_set)
    await asyncio.wait_for(server.stop(grace=0.1), 3)
    assert await fake.read_command() is None
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", server.port)
    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert not [r for r in caplog.records if r.name == "asyncio"]
