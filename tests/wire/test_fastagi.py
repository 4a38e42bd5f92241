"""FastAgiServer against a fake Asterisk: routing by script name and the AGI commands."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from agi.protocol import AgiResponse
from agi.server import AgiRequest, Handler
from tests.wire.agitools import FakeAsterisk, agi_call, asterisk_parse_args, serving
from tests.wire.wiretools import wire


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
