"""The FastAGI server: one task per connection, an explicit route table, every read bounded.

A health probe (connect, close) or a stray client never stalls the loop: headers are read
under a deadline and a size limit, and anything that is not an agi_* block is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from typing import Any

from agi.protocol import (
    AgiConnectionLost,
    AgiError,
    AgiResponse,
    AgiTimeout,
    check_variable,
    parse_header_line,
    parse_reply,
    parse_script,
    positional_args,
    quote_arg,
)

logger = logging.getLogger(__name__)

Handler = Callable[["AgiRequest"], Awaitable[None]]

_LINE_LIMIT = 256 * 1024  # one reply line: a GET VARIABLE value can be long
_MAX_HEADERS = 256  # Asterisk sends ~25 agi_* lines plus up to 127 agi_arg_N


def _peer(writer: asyncio.StreamWriter) -> str:
    address = writer.get_extra_info("peername")
    return f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address)


class AgiRequest:
    """One AGI() call: its headers, where it was routed, and the command channel back."""

    def __init__(
        self,
        headers: dict[str, str],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        command_timeout: float = 10.0,
    ) -> None:
        script = parse_script(headers)
        self.headers = headers
        self.script = script.name
        self.args = script.args
        self.argv = positional_args(headers)
        self.channel = headers.get("agi_channel", "")
        self.uniqueid = headers.get("agi_uniqueid", "")
        self.hung_up = False  # Asterisk said HANGUP: the channel is gone, the AGI may go on
        self._reader = reader
        self._writer = writer
        self._timeout = command_timeout
        self._lock = asyncio.Lock()
        self._broken: str | None = None

    async def command(self, line: str, timeout: float | None = None) -> AgiResponse:
        """Send one AGI command and read its reply; non-200 replies are returned, not raised."""
        if "\n" in line or "\r" in line:
            raise ValueError(f"an AGI command is one line: {line!r}")
        if self._broken is not None:
            raise AgiError(f"AGI conversation unusable: {self._broken}")
        limit = self._timeout if timeout is None else timeout
        async with self._lock:
            try:
                async with asyncio.timeout(limit):
                    self._writer.write(line.encode() + b"\n")
                    await self._writer.drain()
                    reply = await self._read_reply()
            except TimeoutError:
                self._broken = f"no reply to {line.split(' ', 1)[0]} within {limit:.1f} s"
                raise AgiTimeout(self._broken) from None
            except (ConnectionError, AgiConnectionLost) as exc:
                self._broken = "connection lost"
                raise AgiConnectionLost(f"Asterisk closed the AGI connection ({exc})") from exc
            except ValueError as exc:  # a reply line over _LINE_LIMIT
                self._broken = "reply too long"
                raise AgiError(self._broken) from exc
        logger.debug("channel %s: %s -> %s", self.channel, line, reply.text)
        return reply

    async def set_variable(self, name: str, value: str) -> AgiResponse:
        """SET VARIABLE with the value quoted so quotes, backslashes and newlines stay inside it."""
        return await self.command(f"SET VARIABLE {check_variable(name)} {quote_arg(value)}")

    async def get_variable(self, name: str) -> str | None:
        """A channel variable, or None when it is not set (or the channel is gone)."""
        reply = await self.command(f"GET VARIABLE {check_variable(name)}")
        if reply.code == 200 and reply.result == "1":
            return reply.data or ""
        return None

    async def verbose(self, message: str, level: int = 1) -> AgiResponse:
        """Write a line to Asterisk's console and log."""
        return await self.command(f"VERBOSE {quote_arg(message)} {int(level)}")

    async def _read_reply(self) -> AgiResponse:
        while True:
            line = await self._readline()
            if line == "HANGUP":  # sent once, asynchronously, when the channel hangs up
                self.hung_up = True
                continue
            if not line.startswith("520-"):
                return parse_reply(line)
            lines = [line]
            while not line.startswith("520 "):
                line = await self._readline()
                lines.append(line)
            return parse_reply("\n".join(lines))

    async def _readline(self) -> str:
        raw = await self._reader.readline()
        if not raw.endswith(b"\n"):
            raise AgiConnectionLost("end of stream")
        return raw.decode("utf-8", errors="replace").rstrip("\r\n")


class FastAgiServer:
    """`await start()`, serve until `await stop()`; routes map a script name to a handler."""

    def __init__(
        self,
        host: str,
        port: int,
        routes: Mapping[str, Handler],
        *,
        header_timeout: float = 5.0,
        command_timeout: float = 10.0,
        max_header_bytes: int = 64 * 1024,
    ) -> None:
        self.host = host
        self._requested_port = port
        self._routes = dict(routes)
        self._header_timeout = header_timeout
        self._command_timeout = command_timeout
        self._max_header_bytes = max_header_bytes
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def port(self) -> int:
        """The bound port (the real one when started with port 0)."""
        if self._server is None or not self._server.sockets:
            return self._requested_port
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        """Listen; returns once the socket is bound."""
        self._server = await asyncio.start_server(
            self._on_connection, self.host, self._requested_port, limit=_LINE_LIMIT
        )

    async def stop(self, grace: float = 5.0) -> None:
        """Stop listening, let running scripts finish for `grace` seconds, then cut them off."""
        if self._server is None:
            return
        self._server.close()
        pending = set(self._tasks)
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> FastAgiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        peer = _peer(writer)
        try:
            await self._converse(reader, writer, peer)
        except asyncio.CancelledError:
            # Not re-raised: Python 3.11's start_server logs a handler that ends cancelled as an error.
            logger.warning("AGI %s: cut off by server shutdown", peer)
        except Exception:
            logger.exception("AGI %s: connection failed", peer)
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: str) -> None:
        headers = await self._read_headers(reader, peer)
        if headers is None:
            return
        req = AgiRequest(headers, reader, writer, self._command_timeout)
        handler = self._routes.get(req.script)
        if handler is None:
            logger.warning("channel %s: unknown AGI script %r", req.channel, req.script)
            with suppress(AgiError):
                await req.verbose(f"hotline: unknown AGI script {req.script}")
            return
        logger.debug("channel %s: AGI %s args=%s argv=%s", req.channel, req.script, req.args, req.argv)
        try:
            await handler(req)
        except AgiConnectionLost as exc:
            logger.info("channel %s: AGI %s ended early: %s", req.channel, req.script, exc)
        except AgiError as exc:
            logger.warning("channel %s: AGI %s aborted: %s", req.channel, req.script, exc)
        except Exception:
            logger.exception("channel %s: AGI script %s failed", req.channel, req.script)

    async def _read_headers(self, reader: asyncio.StreamReader, peer: str) -> dict[str, str] | None:
        """The agi_* block up to its blank line, or None (logged) for a probe, garbage or a stall."""
        headers: dict[str, str] = {}
        try:
            async with asyncio.timeout(self._header_timeout):
                return await self._header_lines(reader, peer, headers)
        except TimeoutError:
            logger.warning(
                "AGI %s: no complete header block within %.1f s (%d lines); closing",
                peer,
                self._header_timeout,
                len(headers),
            )
        except ValueError:
            logger.warning("AGI %s: header line over %d bytes; closing", peer, _LINE_LIMIT)
        except ConnectionError as exc:
            logger.debug("AGI %s: connection error while reading headers: %s", peer, exc)
        return None

    async def _header_lines(
        self, reader: asyncio.StreamReader, peer: str, headers: dict[str, str]
    ) -> dict[str, str] | None:
        size = 0
        while True:
            raw = await reader.readline()
            if not raw.endswith(b"\n"):
                if not headers and not raw:
                    logger.debug("AGI %s: connected and closed without a request (probe)", peer)
                else:
                    logger.warning("AGI %s: closed inside the header block (%d lines)", peer, len(headers))
                return None
            size += len(raw)
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if not line:
                if headers:
                    return headers
                logger.warning("AGI %s: empty header block; closing", peer)
                return None
            item = parse_header_line(line)
            if item is None:
                logger.warning("AGI %s: not an AGI header: %.60r; closing", peer, line)
                return None
            headers[item[0]] = item[1]
            if size > self._max_header_bytes or len(headers) > _MAX_HEADERS:
                logger.warning(
                    "AGI %s: header block over %d bytes or %d lines; closing",
                    peer,
                    self._max_header_bytes,
                    _MAX_HEADERS,
                )
                return None
