"""The ARI event WebSocket: connect, read and hand off, reconnect forever.

The read loop never awaits anything but the socket: Asterisk cuts a WebSocket whose reader
stalls for 100 ms (`websocket_write_timeout`), and every event in between is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus, WebSocketException

logger = logging.getLogger(__name__)

OnEvent = Callable[[dict[str, Any]], None]
OnConnect = Callable[[], Awaitable[None]]
# Told of each new socket (its send) and of its end (None and why): the REST-over-WebSocket hook.
OnSocket = Callable[[Callable[[str], Awaitable[None]] | None, str], None]


class EventStream:
    """One reconnecting WebSocket that hands every decoded event to a synchronous callback."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        *,
        on_event: OnEvent,
        on_connect: OnConnect | None = None,
        on_socket: OnSocket | None = None,
        backoff: tuple[float, float] = (0.5, 8.0),
        ping_interval: float = 5.0,
        ping_timeout: float = 5.0,
        open_timeout: float = 10.0,
        close_timeout: float = 2.0,
    ) -> None:
        self.connected = asyncio.Event()
        self.reconnects = 0
        self._url = url
        self._headers = headers
        self._on_event = on_event
        self._on_connect = on_connect
        self._on_socket = on_socket
        self._backoff = backoff
        self._ws_options: dict[str, Any] = {
            "ping_interval": ping_interval,
            "ping_timeout": ping_timeout,
            "open_timeout": open_timeout,
            "close_timeout": close_timeout,
            "max_size": 16 * 2**20,
            "compression": None,
            "proxy": None,
        }
        self._loop_task: asyncio.Task[None] | None = None
        self._connect_task: asyncio.Task[None] | None = None
        self._closing = False

    async def run(self) -> None:
        """Connect and deliver events until `close()`; cancelling the caller also stops it."""
        if self._closing:
            return
        if self._loop_task is not None:
            raise RuntimeError("EventStream.run() is already running")
        self._loop_task = asyncio.create_task(self._loop(), name="ari-events")
        try:
            await self._loop_task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if self._closing and current is not None and not current.cancelling():
                return
            raise

    async def close(self) -> None:
        """Stop reading, cancel a running on_connect and wait for both to end."""
        self._closing = True
        tasks = [t for t in (self._loop_task, self._connect_task) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self.connected.clear()

    async def _loop(self) -> None:
        low, high = self._backoff
        delay, ever_connected = low, False
        while True:
            connected_now = False
            try:
                async with connect(self._url, additional_headers=self._headers, **self._ws_options) as ws:
                    connected_now = True
                    if ever_connected:
                        self.reconnects += 1
                    ever_connected = True
                    delay = low
                    if self._on_socket is not None:
                        self._on_socket(ws.send, "")
                    self._opened()
                    reason = await self._read(ws)
            except InvalidStatus as exc:
                reason = f"handshake refused with HTTP {exc.response.status_code}"
            except (OSError, TimeoutError, WebSocketException) as exc:
                reason = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # a bug must not end the event stream for good
                logger.exception("ARI events: unexpected failure")
                reason = f"{type(exc).__name__}: {exc}"
            finally:
                self.connected.clear()
                if connected_now and self._on_socket is not None:
                    self._on_socket(None, "the WebSocket closed")
            if connected_now:
                logger.warning("ARI events: connection lost (%s); reconnecting in %.2f s", reason, delay)
            else:
                logger.warning("ARI events: cannot connect (%s); retrying in %.2f s", reason, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, high)

    async def _read(self, ws: ClientConnection) -> str:
        """Read until the socket ends; return why it ended."""
        try:
            async for raw in ws:
                self._dispatch(raw)
        except ConnectionClosedError as exc:
            return f"abnormal close: {exc}"
        return f"closed by peer: code {ws.close_code} {ws.close_reason!r}"

    def _dispatch(self, raw: str | bytes) -> None:
        try:
            event = orjson.loads(raw)  # every event and reply crosses here: the fast parser
        except ValueError:
            logger.warning("ARI events: skipped a frame that is not JSON: %.80r", raw)
            return
        if not isinstance(event, dict):
            logger.warning("ARI events: skipped a frame that is not an object: %.80r", raw)
            return
        try:
            result: Any = self._on_event(event)
        except Exception:
            logger.exception("ARI events: handler failed on %s", event.get("type"))
            return
        if asyncio.iscoroutine(result):
            result.close()
            logger.error("ARI events: on_event returned a coroutine; it must be synchronous")

    def _opened(self) -> None:
        self.connected.set()
        logger.info("ARI events: connected (reconnects so far: %d)", self.reconnects)
        if self._connect_task is not None and not self._connect_task.done():
            # A reconcile from an earlier connection is stale once a new one starts.
            self._connect_task.cancel()
        if self._on_connect is not None:
            self._connect_task = asyncio.create_task(self._run_on_connect(), name="ari-on-connect")

    async def _run_on_connect(self) -> None:
        assert self._on_connect is not None
        try:
            await self._on_connect()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("ARI events: on_connect failed")
