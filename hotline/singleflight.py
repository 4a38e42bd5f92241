"""One refresh at a time: concurrent callers of the same key share the result of one coroutine.

A cache that expires under load must not send every call of a burst to the database at once
(the calls that arrive while the first re-read is running would each start their own).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

logger = logging.getLogger(__name__)

# A cache older than this share of its time to live is re-read in the background (`start`).
REFRESH_AHEAD = 0.6


class SingleFlight:
    """`await flight.run(key, make)`: runs `make()` unless a run for `key` is under way, then waits
    for that one. A failure reaches every waiter and is not kept: the next call tries again."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future[Any]] = {}

    async def run(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        running = self.start(key, make)
        # shield: one caller cancelled (its call hung up) must not cancel the others' refresh
        result: T = await asyncio.shield(running)
        return result

    def start(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> asyncio.Future[Any]:
        """The run for `key` under way, or a new one, without waiting for it (a refresh ahead of
        expiry: nobody waits; a failure is logged and the next call tries again)."""
        running = self._running.get(key)
        if running is None:
            running = asyncio.ensure_future(make())
            self._running[key] = running
            running.add_done_callback(lambda f: self._done(key, f))
        return running

    def refresh_ahead(
        self, key: Hashable, make: Callable[[], Awaitable[Any]], age: float, ttl: float
    ) -> None:
        """A cache entry `age` seconds into its `ttl`, still served: past REFRESH_AHEAD of it, re-read
        it in the background, so under steady traffic no call waits for a reload (after a quiet spell
        the first call still waits for a fresh one)."""
        if age >= ttl * REFRESH_AHEAD:
            self.start(key, make)

    def _done(self, key: Hashable, future: asyncio.Future[Any]) -> None:
        self._running.pop(key, None)
        if not future.cancelled() and future.exception() is not None:
            logger.warning("refresh of %s failed: %r", key, future.exception())
