"""Helpers for wire tests: run an async test in a fresh loop, poll for a condition."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any

TEST_TIMEOUT = 30.0


def wire(fn: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test function in its own event loop, bounded by TEST_TIMEOUT."""

    @functools.wraps(fn)
    def test(*args: Any, **kwargs: Any) -> None:
        async def main() -> None:
            async with asyncio.timeout(TEST_TIMEOUT):
                await fn(*args, **kwargs)

        asyncio.run(main())

    return test


async def until(condition: Callable[[], object], timeout: float = 5.0, what: str = "") -> None:
    """Poll `condition` until it is true; fail the test after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        await asyncio.sleep(0.01)
