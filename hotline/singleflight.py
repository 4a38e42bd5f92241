"""One refresh at a time: concurrent callers of the same key share the result of one coroutine.

A cache that expires under load must not send every call of a burst to the database at once
(the calls that arrive while the first re-read is running would each start their own).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class SingleFlight:
    """`await flight.run(key, make)`: runs `make()` unless a run for `key` is under way, then waits
    for that one. A failure reaches every waiter and is not kept: the next call tries again."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future[Any]] = {}

    async def run(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        running = self._running.get(key)
        if running is None:
            running = asyncio.ensure_future(make())
            self._running[key] = running
            running.add_done_callback(lambda _f: self._running.pop(key, None))
        # shield: one caller cancelled (its call hung up) must not cancel the others' refresh
        result: T = await asyncio.shield(running)
        return result
