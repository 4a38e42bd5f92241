"""ARI requests over the event WebSocket (Asterisk 22's RESTRequest / RESTResponse frames).

A request on the WebSocket costs both sides far less than an HTTP exchange, but Asterisk runs
the requests of one WebSocket one after the other, on the thread that reads it. A request that
waits for a channel's own thread (setting a variable, answering, adding to a bridge) would hold
up every request behind it, so only requests Asterisk serves at once may come this way: the
client marks them (`AriClient.req(..., fast=True)`); everything else stays on HTTP.

The transport is used only after a probe on the new connection was answered, and only while
that connection is open; requests in flight when it drops fail with AriUnavailable, like an
HTTP request to an unreachable Asterisk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from itertools import count
from typing import Any

import orjson
from websockets.exceptions import ConnectionClosed

from ari_app.errors import AriUnavailable
from ari_app.events import EventStream

logger = logging.getLogger(__name__)

Send = Callable[[str], Awaitable[None]]
RESPONSE = "RESTResponse"


class WsRest:
    """Pending RESTRequests of one WebSocket connection, matched to answers by request id."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self.ready = False
        self._send_frame: Send | None = None
        self._pending: dict[str, asyncio.Future[tuple[int, str]]] = {}
        self._ids = count(1)
        self._generation = 0

    def socket(self, send: Send | None, reason: str) -> None:
        """EventStream's on_socket: a new connection (its `send`; requests use it once `probe()`
        succeeds) or, with None, its end. Either way the requests in flight fail."""
        self.fail_all(reason or "the WebSocket was replaced")
        self._send_frame = send
        self.ready = False
        if send is not None:
            self._generation += 1

    def fail_all(self, reason: str) -> None:
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(AriUnavailable(reason, "WS", "RESTRequest"))

    async def probe(self, timeout: float = 2.0) -> bool:
        """Ask `GET asterisk/ping` on the WebSocket; an Asterisk without the feature never answers."""
        try:
            status, _ = await self.request("GET", "asterisk/ping", None, None, timeout=timeout, probe=True)
        except (AriUnavailable, TimeoutError):
            status = 0
        self.ready = status == 200
        logger.info(
            "ARI requests: %s", "on the WebSocket" if self.ready else "on HTTP (no RESTRequest support)"
        )
        return self.ready

    def deliver(self, frame: Mapping[str, Any]) -> bool:
        """True when `frame` was the answer to one of our requests (it is not an event then)."""
        if frame.get("type") != RESPONSE:
            return False
        future = self._pending.pop(str(frame.get("request_id", "")), None)
        if future is None:
            logger.debug("ARI requests: an answer nobody waits for: %s", frame.get("uri"))
        elif not future.done():
            future.set_result((int(frame.get("status_code", 0)), str(frame.get("message_body") or "")))
        return True

    async def request(
        self,
        method: str,
        uri: str,
        params: Mapping[str, str] | None,
        body: Any,
        *,
        timeout: float | None = None,
        probe: bool = False,
    ) -> tuple[int, str]:
        """(status, body text) of one request; `uri` is relative to /ari, without a query."""
        request_id, answer = await self._send(method, uri, params, body, probe=probe)
        try:
            async with asyncio.timeout(self.timeout if timeout is None else timeout):
                return await answer
        except TimeoutError as exc:
            raise AriUnavailable("no reply on the WebSocket", method, uri) from exc
        finally:
            self._pending.pop(request_id, None)

    async def send(
        self, method: str, uri: str, params: Mapping[str, str] | None, body: Any
    ) -> asyncio.Future[tuple[int, str]]:
        """Send one request without waiting for its answer: it is on the wire when this returns,
        ahead of any request sent later on this socket. The returned future is the answer, (status,
        body text); with no answer within the timeout it fails with AriUnavailable."""
        request_id, answer = await self._send(method, uri, params, body)
        asyncio.get_running_loop().call_later(self.timeout, self._expire, request_id, method, uri)
        return answer

    async def _send(
        self, method: str, uri: str, params: Mapping[str, str] | None, body: Any, *, probe: bool = False
    ) -> tuple[str, asyncio.Future[tuple[int, str]]]:
        send = self._send_frame
        if send is None or not (self.ready or probe):
            raise AriUnavailable("the WebSocket transport is not ready", method, uri)
        request_id = f"{self._generation}.{next(self._ids)}"
        frame: dict[str, Any] = {"type": "RESTRequest", "request_id": request_id}
        frame |= {"method": method, "uri": uri}
        if params:
            frame["query_strings"] = [{"name": k, "value": v} for k, v in params.items()]
        if body is not None:
            frame["content_type"] = "application/json"
            frame["message_body"] = orjson.dumps(body).decode()
        answer: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = answer
        try:
            await send(orjson.dumps(frame).decode())  # a text frame, as Asterisk expects
        except BaseException as exc:  # not sent: no answer will come
            self._pending.pop(request_id, None)
            if isinstance(exc, OSError | ConnectionClosed):
                raise AriUnavailable(f"{type(exc).__name__}: {exc}", method, uri) from exc
            raise
        return request_id, answer

    def _expire(self, request_id: str, method: str, uri: str) -> None:
        answer = self._pending.pop(request_id, None)
        if answer is not None and not answer.done():
            answer.set_exception(AriUnavailable("no reply on the WebSocket", method, uri))


class RestLane:
    """One more WebSocket that only carries requests, under an app of its own that owns no channel
    (so no events come on it). Asterisk serves each WebSocket's requests one after the other on
    that socket's thread; requests spread over several lanes are served side by side."""

    def __init__(self, url: str, headers: dict[str, str], *, timeout: float, backoff: tuple[float, float],
                 ping_interval: float, ping_timeout: float) -> None:  # fmt: skip
        self.rest = WsRest(timeout)
        self.stream = EventStream(
            url,
            headers,
            on_event=self._frame,
            on_connect=self._probe,
            on_socket=self.rest.socket,
            backoff=backoff,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
        )

    def _frame(self, frame: dict[str, Any]) -> None:
        self.rest.deliver(frame)

    async def _probe(self) -> None:
        await self.rest.probe()
