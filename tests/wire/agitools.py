"""A fake Asterisk AGI client on real sockets, for the FastAgiServer wire tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from agi.server import FastAgiServer, Handler


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
