"""FastAgiServer against a fake Asterisk AGI client on real sockets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest

from agi.protocol import AgiConnectionLost, AgiResponse, AgiTimeout
from agi.server import AgiRequest, FastAgiServer, Handler
from tests.wire.wiretools import until, wire


def asterisk_parse_args(line: str) -> list[str]:
    """How res_agi.c's parse_args() splits a command line: quotes group, backslash escapes."""
    args: list[str] = []
    cur: list[str] = []
    quoted = escaped = in_word = False
    for ch in line:
        if ch == '"' and not escaped:
            quoted, in_word = not quoted, True
        elif ch in " \t" and not quoted and not escaped:
            if in_word:
                args.append("".join(cur))
                cur, in_word = [], False
        elif ch == "\\" and not escaped:
            escaped = True
        else:
            cur.append(ch)
            in_word, escaped = True, False
    if in_word:
        args.append("".join(cur))
    return args


class FakeAsterisk:
    """The Asterisk end of one FastAGI connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int) -> FakeAsterisk:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send_headers(
        self,
        script: str,
        args: Sequence[str] = (),
        uniqueid: str = "1763850000.42",
        channel: str = "PJSIP/carrier-00000007",
    ) -> None:
        headers = {
            "agi_network": "yes",
            "agi_network_script": script,
            "agi_request": f"agi://127.0.0.1:4573/{script}",
            "agi_channel": channel,
            "agi_language": "zh",
            "agi_type": "PJSIP",
            "agi_uniqueid": uniqueid,
            "agi_version": "22.10.1",
            "agi_callerid": "13800138000",
            "agi_calleridname": "unknown",
            "agi_dnid": "12345",
            "agi_context": "hotline-inbound",
            "agi_extension": "s",
            "agi_priority": "3",
            "agi_accountcode": "",
        }
        headers.update({f"agi_arg_{n}": a for n, a in enumerate(args, 1)})
        self.writer.write("".join(f"{k}: {v}\n" for k, v in headers.items()).encode() + b"\n")
        await self.writer.drain()

    async def read_command(self) -> str | None:
        """The next command line, or None at EOF (the server closed the conversation)."""
        raw = await asyncio.wait_for(self.reader.readline(), 5)
        if not raw:
            self.writer.close()
            return None
        return raw.decode().rstrip("\n")

    async def reply(self, text: str) -> None:
        self.writer.write(text.encode() + b"\n")
        await self.writer.drain()

    async def converse(self, answer: Callable[[str], str] = lambda _: "200 result=1") -> list[str]:
        """Answer every command until the server closes; return the commands."""
        seen = []
        while (line := await self.read_command()) is not None:
            seen.append(line)
            await self.reply(answer(line))
        return seen

    async def call(self, port: int, script: str, args: Sequence[str] = (), **answers: str) -> list[str]:
        await self.send_headers(script, args)
        return await self.converse(lambda line: answers.get(line.split()[0], "200 result=1"))


async def agi_call(port: int, script: str, args: Sequence[str] = ()) -> list[str]:
    fake = await FakeAsterisk.connect(port)
    return await fake.call(port, script, args)


@asynccontextmanager
async def serving(routes: dict[str, Handler], **kwargs: Any) -> AsyncIterator[FastAgiServer]:
    server = FastAgiServer("127.0.0.1", 0, routes, **kwargs)
    await server.start()
    try:
        yield server
    finally:
        await server.stop(grace=1.0)


# ---- routing and commands ---------------------------------------------------------------
@wire
async def test_routes_by_script_name_with_query_args_and_positional_args() -> None:
    seen: dict[str, Any] = {}

    async def call_register(req: AgiRequest) -> None:
        seen.update(
            script=req.script,
            args=req.args,
            argv=req.argv,
            channel=req.channel,
            uniqueid=req.uniqueid,
            dnid=req.headers["agi_dnid"],
        )
        await req.set_variable("HOTLINE_QUEUE", req.args["county"])

    async def call_ended(req: AgiRequest) -> None:
        raise AssertionError("wrong route")

    routes: dict[str, Handler] = {"call_register": call_register, "call_ended": call_ended}
    async with serving(routes) as server:
        commands = await agi_call(server.port, "call_register?county=luohu&lang=zh", ["uid-7", "a b,c"])
    assert seen == {
        "script": "call_register",
        "args": {"county": "luohu", "lang": "zh"},
        "argv": ["uid-7", "a b,c"],
        "channel": "PJSIP/carrier-00000007",
        "uniqueid": "1763850000.42",
        "dnid": "12345",
    }
    assert commands == ['SET VARIABLE HOTLINE_QUEUE "luohu"']


@wire
async def test_set_variable_values_reach_asterisk_intact_whatever_they_contain() -> None:
    values = [
        "plain",
        "two words",
        'say "hi"',
        "back\\slash",
        "ends with \\",
        '"',
        "line1\nSET VARIABLE EVIL 1",
        "cr\rlf",
        "",
        "张三 (罗湖)",
        "${EVIL}",
    ]
    expected = [v.replace("\n", " ").replace("\r", " ") for v in values]
    rejected: list[str] = []

    async def setter(req: AgiRequest) -> None:
        for n, value in enumerate(values):
            await req.set_variable(f"__V{n}", value)
        for name in ("A B", 'A"B', "A\nB", ""):
            try:
                await req.set_variable(name, "x")
            except ValueError:
                rejected.append(name)
        await req.set_variable("CDR(userfield)", "ok")

    async with serving({"setter": setter}) as server:
        commands = await agi_call(server.port, "setter")
    parsed = [asterisk_parse_args(c) for c in commands]
    assert parsed[: len(values)] == [["SET", "VARIABLE", f"__V{n}", v] for n, v in enumerate(expected)]
    assert parsed[len(values) :] == [["SET", "VARIABLE", "CDR(userfield)", "ok"]]
    assert rejected == ["A B", 'A"B', "A\nB", ""]


@wire
async def test_get_variable_reads_values_and_none_for_unset() -> None:
    replies = {
        "SET_ONE": "200 result=1 (hello world)",
        "UNSET": "200 result=0",
        "PARENS": "200 result=1 (a) b)",
        "EMPTY": "200 result=1 ()",
        "DEAD": "511 Command Not Permitted on a dead channel or intercept routine",
    }
    got: dict[str, str | None] = {}

    async def getter(req: AgiRequest) -> None:
        for name in replies:
            got[name] = await req.get_variable(name)

    async with serving({"getter": getter}) as server:
        fake = await FakeAsterisk.connect(server.port)
        await fake.send_headers("getter")
        commands = await fake.converse(lambda line: replies[line.split()[-1]])
    assert commands == [f"GET VARIABLE {name}" for name in replies]
    assert got == {"SET_ONE": "hello world", "UNSET": None, "PARENS": "a) b", "EMPTY": "", "DEAD": None}


@wire
async def test_multi_line_usage_errors_and_result_extras_are_parsed_in_step() -> None:
    replies = iter(
        [
            "520-Invalid command syntax.  Proper usage follows:\n"
            "Usage: STREAM FILE <filename>\n520 End of proper usage.",
            "200 result=0 endpos=16000",
            "200 result=1 (timeout) endpos=8000",
            "510 Invalid or unknown command",
        ]
    )
    got: list[AgiResponse] = []

    async def raw(req: AgiRequest) -> None:
        for cmd in ("STREAM FILE", 'STREAM FILE beep ""', 'GET OPTION beep "12"', "NOPE"):
            got.append(await req.command(cmd))

    async with serving({"raw": raw}) as server:
        fake = await FakeAsterisk.connect(server.port)
        await fake.send_headers("raw")
        await fake.converse(lambda _: next(replies))
    assert [(r.code, r.result, r.data, r.extra) for r in got] == [
        (520, "", "Invalid command syntax.  Proper usage follows:", {}),
        (200, "0", None, {"endpos": "16000"}),
        (200, "1", "timeout", {"endpos": "8000"}),
        (510, "", "Invalid or unknown command", {}),
    ]
    assert [r.ok for r in got] == [False, True, True, False]


@wire
async def test_hangup_notice_and_dead_channel_replies_do_not_break_the_script(
    caplog: pytest.LogCaptureFixture,
) -> None:
    got: list[Any] = []

    async def ended(req: AgiRequest) -> None:
        got.append((await req.set_variable("A", "1")).ok)
        got.append(req.hung_up)
        got.append((await req.set_variable("B", "2")).code)
        got.append((await req.command('STREAM FILE beep ""')).ok)
        got.append(await req.get_variable("C"))

    async with serving({"ended": ended}) as server:
        fake = await FakeAsterisk.connect(server.port)
        await fake.send_headers("ended")
        assert await fake.read_command() == 'SET VARIABLE A "1"'
        await fake.reply("HANGUP")
        await fake.reply("200 result=1")
        assert await fake.read_command() == 'SET VARIABLE B "2"'
        await fake.reply("511 Command Not Permitted on a dead channel or intercept routine")
        await fake.converse(lambda _: "200 result=-1")
    assert got == [True, True, 511, False, None]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@wire
async def test_unknown_script_logs_a_warning_and_lets_the_dialplan_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with serving({"known": lambda req: asyncio.sleep(0)}) as server:
        commands = await agi_call(server.port, "nope?x=1")
    assert commands == ['VERBOSE "hotline: unknown AGI script nope" 1']
    assert any(
        r.levelno == logging.WARNING and "unknown AGI script 'nope'" in r.getMessage() for r in caplog.records
    )


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
