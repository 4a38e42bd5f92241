"""Running a daemon's asyncio main: on uvloop (libuv: less CPU per socket event, timer and write than
the standard library's selector loop) unless the settings ask for the standard loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

logger = logging.getLogger(__name__)


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop]:
    """The event loop constructor for `name` ("uvloop" or "asyncio")."""
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


def run(main: Coroutine[Any, Any, T], loop: str) -> T:
    """asyncio.run(main) on the named event loop."""
    with asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
        logger.debug("event loop %s", loop)
        return runner.run(main)
