"""Running a daemon's asyncio main: on uvloop (libuv: less CPU per socket event, timer and write than
the standard library's selector loop) unless the settings ask for the standard loop, at the
scheduling priority the settings give the call-control daemons (see `prioritize`)."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

logger = logging.getLogger(__name__)

AUTOGROUP = "/proc/self/autogroup"  # the scheduler group of this process's session (Linux)


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop]:
    """The event loop constructor for `name` ("uvloop" or "asyncio")."""
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


def prioritize(nice: int) -> None:
    """Run this daemon at `nice` (Linux: -20 first ... 19 last; 0 changes nothing).

    ari_app and agi need little CPU but need it at once: a caller's key waits for them. On a machine
    Asterisk keeps busy, the kernel's fair share makes them queue for a core behind Asterisk's media
    threads (seen at 100 IVR calls/s on 2 cores: ari_app waited longer for a core than it ran, and
    the first prompt came seconds late). The supervisor starts each daemon in a session of its own,
    hence a scheduler autogroup of its own where the kernel has them: its nice is set there (only
    when the process leads its session, so a shell's session is never touched) and on the process,
    whose threads (started later) inherit it. Lowering it needs root or CAP_SYS_NICE: without, a warning
    and the normal priority."""
    if nice == 0:
        return
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
        if os.getsid(0) == os.getpid() and os.path.exists(AUTOGROUP):  # its own session: its own group
            with open(AUTOGROUP, "w") as group:
                group.write(str(nice))
    except OSError as exc:
        logger.warning("could not run at scheduling priority %d (%s); running at the normal one", nice, exc)
    else:
        logger.info("running at scheduling priority (nice) %d", nice)


def run(main: Coroutine[Any, Any, T], loop: str, nice: int = 0) -> T:
    """asyncio.run(main) on the named event loop, at scheduling priority `nice` (see prioritize)."""
    prioritize(nice)
    with asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
        logger.debug("event loop %s", loop)
        return runner.run(main)
