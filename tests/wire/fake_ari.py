"""A fake Asterisk HTTP server for ARI wire tests: REST and the event WebSocket on one port.

REST answers come from a route table (exact paths, or fnmatch patterns such as
`/ari/channels/*/answer`), optionally held back by `delay`; every request is stamped with the
order it arrived and was answered in. The WebSocket runs on websockets' sans-I/O ServerProtocol
so a test controls every byte: graceful close, abort without a close frame, unanswered pings.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fnmatch
import http
import itertools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.server import ServerProtocol

Reply = tuple[int, Any]
Route = Reply | Callable[["Recorded"], Awaitable[Reply]]


@dataclass
class Recorded:
    method: str
    raw_path: str  # as sent: percent-escapes kept
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    seq: int = 0  # when it arrived, on the fake's one clock shared with `replied`
    replied: int | None = None  # when its answer was written; None while held
    transport: str = "http"  # or "ws": a RESTRequest frame on the event WebSocket
    app: str = ""  # ws: the app of the WebSocket it came on (the event socket's, or a lane's)


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return method, target, headers


class WsPeer:
    """The server side of one accepted event WebSocket."""

    def __init__(
        self,
        protocol: ServerProtocol,
        request: Request,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        on_text: Callable[[WsPeer, str], Awaitable[None]] | None = None,
    ) -> None:
        self.on_text = on_text
        self.protocol = protocol
        self.request = request
        self.reader = reader
        self.writer = writer
        self.closed = asyncio.Event()
        self.app = dict(parse_qsl(urlsplit(request.path).query)).get("app", "")

    async def send(self, event: dict[str, Any] | str) -> None:
        text = event if isinstance(event, str) else json.dumps(event)
        self.protocol.send_text(text.encode())
        await self.flush()

    async def close(self, code: int = 1000, reason: str = "bye") -> None:
        """A proper close handshake, as `ari shutdown websocket sessions` does."""
        self.protocol.send_close(code, reason)
        await self.flush()
        await self.closed.wait()

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (`ss -K`)."""
        self.writer.transport.abort()

    def freeze(self) -> None:
        """Stop reading: the client's pings go unanswered, as with a hung peer."""
        transport = self.writer.transport
        assert isinstance(transport, asyncio.ReadTransport)
        transport.pause_reading()

    async def flush(self) -> None:
        for chunk in self.protocol.data_to_send():
            if chunk:
                self.writer.write(chunk)
            elif self.writer.can_write_eof():
                self.writer.write_eof()
        with contextlib.suppress(ConnectionError):
            await self.writer.drain()

    async def pump(self) -> None:
        try:
            while not self.writer.is_closing():
                data = await self.reader.read(65536)
                if not data:
                    self.protocol.receive_eof()
                    break
                self.protocol.receive_data(data)
                # pongs and close replies are queued by the protocol; text frames are RESTRequests
                frames = self.protocol.events_received()
                await self.flush()
                for frame in frames:
                    if isinstance(frame, Frame) and frame.opcode is Opcode.TEXT and self.on_text:
                        await self.on_text(self, bytes(frame.data).decode())
                if self.protocol.close_expected():
                    break
        except ConnectionError:
            pass
        finally:
            self.writer.close()
            self.closed.set()


class FakeAri:
    """Asterisk's HTTP port as ARI uses it; `async with FakeAri() as fake`."""

    def __init__(self, username: str = "hotline", password: str = "secret") -> None:
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.auth = f"Basic {token}"
        self.routes: dict[tuple[str, str], Route] = {}
        self.requests: list[Recorded] = []
        self.ws_requests: list[Request] = []
        self.sessions: list[WsPeer] = []
        self.ws_reject: int | None = None  # answer upgrades with this status instead
        self.delay = 0.0  # seconds every HTTP REST answer is held back, as a loaded Asterisk would
        self.ws_delay = 0.0  # the same for RESTRequests, which hold up the WebSocket (pings too)
        self.ws_rest = True  # answer RESTRequest frames on the WebSocket, as Asterisk >= 22.3 does
        self.open_connections = 0  # REST and WebSocket: Asterisk's http.conf sessionlimit counts both
        self.most_connections = 0
        self._clock = itertools.count(1)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    async def __aenter__(self) -> FakeAri:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=512)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def session(self) -> WsPeer:
        """The newest event WebSocket (request-only lanes, apps `<app>-rest<n>`, are not counted)."""
        return self.event_sessions[-1]

    @property
    def event_sessions(self) -> list[WsPeer]:
        return [p for p in self.sessions if not re.search(r"-rest\d+$", p.app)]

    def calls(self, method: str, raw_path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.raw_path == raw_path]

    def matching(self, method: str, pattern: str) -> list[Recorded]:
        """Requests whose path matches an fnmatch pattern (`*` also spans '/')."""
        return [r for r in self.requests if r.method == method and fnmatch.fnmatchcase(r.raw_path, pattern)]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.open_connections += 1
        self.most_connections = max(self.most_connections, self.open_connections)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            _, _, headers = _parse_head(head)
            if headers.get("upgrade", "").lower() == "websocket":
                await self._websocket(head, reader, writer)
            else:
                await self._rest(head, reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except asyncio.CancelledError:
            pass  # stopping; Python 3.11's start_server logs a handler that ends cancelled as an error
        finally:
            writer.close()
            self.open_connections -= 1
            self._tasks.discard(task)

    async def _websocket(
        self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        protocol = ServerProtocol()
        protocol.receive_data(head)
        [request] = protocol.events_received()
        assert isinstance(request, Request)
        self.ws_requests.append(request)
        if self.ws_reject is not None:
            response = protocol.reject(self.ws_reject, "rejected by test\n")
        elif request.headers.get("Authorization") != self.auth:
            response = protocol.reject(401, "Unauthorized\n")
        else:
            response = protocol.accept(request)
        protocol.send_response(response)
        peer = WsPeer(protocol, request, reader, writer, self._ws_request)
        await peer.flush()
        if response.status_code != 101:
            return
        self.sessions.append(peer)
        await peer.pump()

    async def _rest(self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            method, target, headers = _parse_head(head)
            length = int(headers.get("content-length", "0"))
            body = await reader.readexactly(length) if length else b""
            parts = urlsplit(target)
            rec = Recorded(
                method,
                parts.path,
                dict(parse_qsl(parts.query, keep_blank_values=True)),
                json.loads(body) if body else None,
                headers,
                seq=next(self._clock),
            )
            self.requests.append(rec)
            status, payload = await self._reply(rec)
            if self.delay:
                await asyncio.sleep(self.delay)
            data = b"" if payload is None else json.dumps(payload).encode()
            writer.write(
                f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode()
                + data
            )
            rec.replied = next(self._clock)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")

    async def _ws_request(self, peer: WsPeer, text: str) -> None:
        """One RESTRequest, answered in turn (Asterisk serves a WebSocket's requests one by one)."""
        msg = json.loads(text)
        if not self.ws_rest or msg.get("type") != "RESTRequest":
            return
        body = msg.get("message_body")
        rec = Recorded(
            msg["method"],
            "/ari/" + msg["uri"],
            {q["name"]: q["value"] for q in msg.get("query_strings", [])},
            json.loads(body) if body else None,
            {"authorization": self.auth},
            seq=next(self._clock),
            transport="ws",
            app=peer.app,
        )
        self.requests.append(rec)
        status, payload = await self._reply(rec)
        if self.ws_delay:
            await asyncio.sleep(self.ws_delay)
        answer = {"type": "RESTResponse", "request_id": msg.get("request_id", ""), "status_code": status,
                  "reason_phrase": http.HTTPStatus(status).phrase, "uri": msg["uri"]}  # fmt: skip
        if payload is not None:
            answer |= {"content_type": "application/json", "message_body": json.dumps(payload)}
        rec.replied = next(self._clock)
        await peer.send(answer)

    async def _reply(self, rec: Recorded) -> Reply:
        if rec.headers.get("authorization") != self.auth:
            return 401, {"message": "Authentication required"}
        route = self._route(rec)
        if callable(route):
            return await route(rec)
        return route

    def _route(self, rec: Recorded) -> Route:
        exact = self.routes.get((rec.method, rec.raw_path))
        if exact is not None:
            return exact
        for (method, pattern), route in self.routes.items():
            if method == rec.method and "*" in pattern and fnmatch.fnmatchcase(rec.raw_path, pattern):
                return route
        return 200, {}
