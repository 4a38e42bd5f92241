"""Asyncio ARI client: REST on httpx or the event WebSocket, events on a reconnecting WebSocket.

See events.py for the event stream, wsrest.py for requests on the WebSocket and media.py for the
playback, recording and bridge requests (a mixin).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import zlib
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import httpx
import orjson

from ari_app.errors import AriError, AriNotFound, AriUnavailable, error_for_status
from ari_app.events import EventStream, OnConnect, OnEvent
from ari_app.media import MediaRequests
from ari_app.urls import ari_root, events_url, query_params, quote_id
from ari_app.wsrest import RESPONSE, RestLane, WsRest

logger = logging.getLogger(__name__)

# A filter PUT refused with one of these means this Asterisk has no per-app event filters.
_FILTER_UNSUPPORTED = (400, 404, 405)


def _answer(method: str, path: str, status: int, text: str) -> Any:
    """A reply, whichever way it came: decoded JSON, the text, None when empty; AriError on >= 400."""
    logger.debug("ARI %s %s -> %d", method, path, status)
    if status >= 400:
        raise error_for_status(status, text.encode(), method, path)
    if not text:
        return None
    try:
        return orjson.loads(text)
    except ValueError:
        return text


def _log_unawaited(method: str, path: str, done: asyncio.Future[tuple[int, str]]) -> None:
    """The answer to a request nobody waits for: only a failure other than 404 is worth a line."""
    if done.cancelled():
        return
    exc = done.exception()
    status = done.result()[0] if exc is None else 0
    if exc is not None or (status >= 400 and status != 404):
        logger.warning("ARI %s %s: %s", method, path, exc or f"status {status}")


class AriClient(MediaRequests):
    """One Stasis app's connection to Asterisk: `run()` the events, call the REST helpers."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        app: str,
        *,
        on_event: OnEvent,
        on_connect: OnConnect | None = None,
        event_types: Iterable[str] | None = None,
        backoff: tuple[float, float] = (0.5, 8.0),
        timeout: float = 10.0,
        ping_interval: float = 5.0,
        # Generous: an overloaded Asterisk answers pings late, and dropping the socket would return
        # every call in Stasis to the dialplan; a stopped Asterisk closes the connection at once.
        ping_timeout: float = 20.0,
        ws_auth: Literal["basic", "api_key"] = "basic",
        max_requests: int = 20,
        rest_over_ws: bool = True,
        rest_lanes: int = 1,
    ) -> None:
        root = ari_root(base_url)
        self.app = app
        self._on_connect = on_connect
        self._event_types = list(event_types or ())
        self._on_event = on_event
        self._rest_over_ws = rest_over_ws
        self._ws_rest = WsRest(timeout)
        # Requests beyond `max_requests` wait here, not in httpcore's pool: the pool rescans every
        # queued request against every connection on each request and reply, on the event loop,
        # which stalls it for whole seconds in a burst of calls. Also well inside Asterisk's
        # http.conf sessionlimit (100), which the event WebSocket shares.
        self._slots = asyncio.Semaphore(max_requests)
        self._http = httpx.AsyncClient(
            base_url=root,
            auth=(username, password),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            limits=httpx.Limits(max_connections=max_requests, max_keepalive_connections=max_requests),
            headers={"Accept": "application/json"},
            trust_env=False,
        )
        headers: dict[str, str] = {}
        api_key = None
        if ws_auth == "basic":
            token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        else:
            api_key = f"{username}:{password}"
        self._events = EventStream(
            events_url(root, app, api_key),
            headers,
            on_event=self._on_frame,
            on_connect=self._after_connect,
            on_socket=self._ws_rest.socket if rest_over_ws else None,
            backoff=backoff,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
        )
        # More request-only WebSockets (apps "<app>-rest<n>"): Asterisk serves one socket's requests
        # in turn, so one lane caps the requests per second; see wsrest.RestLane.
        self._lanes = [
            RestLane(
                events_url(root, f"{app}-rest{n}", api_key),
                headers,
                timeout=timeout,
                backoff=backoff,
                ping_interval=ping_interval,
                ping_timeout=ping_timeout,
            )  # fmt: skip
            for n in range(1, max(1, rest_lanes) if rest_over_ws else 1)
        ]
        self._rests = (self._ws_rest, *(lane.rest for lane in self._lanes))

    # ---- lifecycle ----------------------------------------------------------------
    @property
    def connected(self) -> asyncio.Event:
        """Set while the event WebSocket is open."""
        return self._events.connected

    @property
    def reconnects(self) -> int:
        """How many times the WebSocket came back after the first connect."""
        return self._events.reconnects

    async def run(self) -> None:
        """Receive events until `close()`, reconnecting with exponential backoff (request lanes too)."""
        await asyncio.gather(self._events.run(), *(lane.stream.run() for lane in self._lanes))

    async def close(self) -> None:
        """Stop the events and on_connect, then close the HTTP pool."""
        await asyncio.gather(self._events.close(), *(lane.stream.close() for lane in self._lanes))
        await self._http.aclose()

    def _lane(self, key: str) -> WsRest | None:
        """The WebSocket lane for requests about `key` (the same key, the same lane), None: HTTP."""
        ready = [r for r in self._rests if r.ready]
        return ready[zlib.crc32(key.encode()) % len(ready)] if ready else None

    @property
    def rest_on_websocket(self) -> int:
        """How many WebSockets carry fast requests now (0: they go on HTTP)."""
        return sum(r.ready for r in self._rests)

    def _on_frame(self, frame: dict[str, Any]) -> None:
        if not self._ws_rest.deliver(frame):
            self._on_event(frame)

    async def _after_connect(self) -> None:
        if self._rest_over_ws:
            await self._ws_rest.probe()
        if self._event_types:
            await self._apply_event_filter()
        if self._on_connect is not None:
            await self._on_connect()

    async def _apply_event_filter(self) -> None:
        try:
            await self.set_event_filter([*self._event_types, RESPONSE])
        except AriError as exc:
            if exc.status in _FILTER_UNSUPPORTED:
                logger.info("ARI app %s: no event filter (%s); receiving every event", self.app, exc)
            else:
                logger.warning("ARI app %s: could not set the event filter (%s)", self.app, exc)

    # ---- REST ---------------------------------------------------------------------
    async def req(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        fast: bool = False,
        key: str = "",
    ) -> Any:
        """One REST call under /ari (`path` with ids already quoted); decoded JSON or None.

        `fast`: Asterisk answers it without waiting for a channel's thread, so it may go over the
        event WebSocket or a request lane (see wsrest.py) when that transport is up; `key` (a
        channel id) keeps the requests about one thing on one lane, in order.
        """
        lane = self._fast_lane(path, key) if fast else None
        if lane is not None:
            return await self._req_ws(lane, method, path, params, json)
        try:
            async with self._slots:
                response = await self._http.request(method, path, params=query_params(params), json=json)
        except httpx.TimeoutException as exc:
            raise AriUnavailable(f"no reply ({type(exc).__name__})", method, path) from exc
        except httpx.TransportError as exc:
            raise AriUnavailable(f"{type(exc).__name__}: {exc}", method, path) from exc
        return _answer(method, path, response.status_code, response.text)

    async def send_unawaited(self, method: str, path: str, *, key: str = "") -> bool:
        """Send a fast request (see `req`) on its WebSocket lane without waiting for Asterisk's answer:
        it is ahead of the later requests about `key` (a 404 answer is no error, another failure is
        logged). False when no lane is up: the caller then sends it with `req`."""
        lane = self._fast_lane(path, key)
        if lane is None:
            return False
        answer = await lane.send(method, path.lstrip("/"), None, None)
        answer.add_done_callback(lambda done: _log_unawaited(method, path, done))
        return True

    def _fast_lane(self, path: str, key: str) -> WsRest | None:
        return self._lane(key or path) if "%" not in path else None

    async def _req_ws(
        self, lane: WsRest, method: str, path: str, params: Mapping[str, Any] | None, body: Any
    ) -> Any:
        status, text = await lane.request(method, path.lstrip("/"), query_params(params), body)
        return _answer(method, path, status, text)

    # ---- channels -----------------------------------------------------------------
    async def answer(self, channel_id: str) -> None:
        """Answer a channel."""
        await self.req("POST", f"/channels/{quote_id(channel_id)}/answer")

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        """Hang up a channel with an explicit cause (normal, busy, congestion, no_answer...)."""
        await self.req(
            "DELETE",
            f"/channels/{quote_id(channel_id)}",
            params={"reason": reason},
            fast=True,
            key=channel_id,
        )

    async def get_channel(self, channel_id: str) -> dict[str, Any] | None:
        """A channel's snapshot, or None when it is gone."""
        try:
            result: dict[str, Any] = await self.req(
                "GET", f"/channels/{quote_id(channel_id)}", fast=True, key=channel_id
            )
        except AriNotFound:
            return None
        return result

    async def list_channels(self) -> list[dict[str, Any]]:
        """Every channel Asterisk has (not only ours)."""
        result: list[dict[str, Any]] = await self.req("GET", "/channels")
        return result

    async def set_var(self, channel_id: str, variable: str, value: str) -> None:
        """Set a channel variable."""
        params = {"variable": variable, "value": value}
        await self.req("POST", f"/channels/{quote_id(channel_id)}/variable", params=params)

    async def get_var(self, channel_id: str, variable: str) -> str | None:
        """A channel variable, None when unset; AriNotFound when the channel is gone."""
        path = f"/channels/{quote_id(channel_id)}/variable"
        try:
            result = await self.req("GET", path, params={"variable": variable})
        except AriNotFound as exc:
            # Asterisk answers 404 for both; only the message tells them apart.
            if "variable" in exc.message.lower():
                return None
            raise
        value = result.get("value") if isinstance(result, dict) else None
        return value if isinstance(value, str) else None

    async def continue_in_dialplan(
        self, channel_id: str, context: str, extension: str, priority: int = 1
    ) -> None:
        """Leave Stasis and go on in the dialplan at context,extension,priority."""
        params = {"context": context, "extension": extension, "priority": priority}
        await self.req(
            "POST", f"/channels/{quote_id(channel_id)}/continue", params=params, fast=True, key=channel_id
        )

    async def originate(
        self,
        endpoint: str,
        *,
        channel_id: str | None = None,
        app_args: str = "",
        caller_id: str | None = None,
        timeout: int = 30,
        variables: Mapping[str, str] | None = None,
        other_channel_id: str | None = None,
        originator: str | None = None,
    ) -> dict[str, Any]:
        """Dial an endpoint into this app (StasisStart carries `app_args`); the new channel."""
        params = {
            "endpoint": endpoint,
            "app": self.app,
            "appArgs": app_args,
            "callerId": caller_id,
            "timeout": timeout,
            "channelId": channel_id,
            "otherChannelId": other_channel_id,
            "originator": originator,
        }
        body = {"variables": dict(variables)} if variables else None
        result: dict[str, Any] = await self.req("POST", "/channels", params=params, json=body)
        return result

    async def snoop(
        self,
        channel_id: str,
        snoop_id: str,
        *,
        spy: str = "none",
        whisper: str = "none",
        app_args: str = "",
    ) -> dict[str, Any]:
        """A snoop channel on `channel_id` (spy/whisper: none, in, out, both) entering this app."""
        params = {"app": self.app, "spy": spy, "whisper": whisper, "appArgs": app_args}
        path = f"/channels/{quote_id(channel_id)}/snoop/{quote_id(snoop_id)}"
        result: dict[str, Any] = await self.req("POST", path, params=params)
        return result

    # ---- application --------------------------------------------------------------
    async def get_application(self) -> dict[str, Any]:
        """This app as Asterisk sees it: channel_ids, bridge_ids, endpoint_ids, device_names."""
        result: dict[str, Any] = await self.req("GET", f"/applications/{quote_id(self.app)}")
        return result

    async def subscribe(self, event_source: str) -> dict[str, Any]:
        """Subscribe this app to `channel:<id>`, `bridge:<id>`, `endpoint:<tech>/<res>`, ..."""
        path = f"/applications/{quote_id(self.app)}/subscription"
        result: dict[str, Any] = await self.req("POST", path, params={"eventSource": event_source})
        return result

    async def set_event_filter(self, event_types: Iterable[str]) -> dict[str, Any]:
        """Let only these event types reach this app's WebSocket."""
        body = {"allowed": [{"type": t} for t in event_types]}
        path = f"/applications/{quote_id(self.app)}/eventFilter"
        result: dict[str, Any] = await self.req("PUT", path, json=body)
        return result
