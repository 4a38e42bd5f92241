"""The interpreter: runs one call through a Flow and returns where the call goes next.

It knows nothing of ARI or the database (see `hotline.ivr.ports`). Each node visited adds one entry
to `call.path` (a menu or question adds one per attempt). A key that sends a caller down a menu's
`other` link, or that interrupts a hint, is kept as type-ahead: the next question takes it before
asking the channel. Errors (IvrHangup included) propagate: the caller's task decides what to do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hotline.ivr.nodes import HANDLERS
from hotline.ivr.ports import CallIO, IvrCall, IvrServices, Outcome
from hotline.ivr.schema import Flow

logger = logging.getLogger(__name__)

MAX_VISITS = 200  # a flow that loops longer than this hands the caller to a person
GUARD = "loop_guard"


@dataclass
class Run:
    """One call's walk through a flow: what the node handlers share."""

    flow: Flow
    call: IvrCall
    io: CallIO
    services: IvrServices
    clock: Callable[[], float]
    started: float
    pending: str | None = None  # a key typed ahead, for the next question

    def visit(self, node_id: str, node_type: str, **facts: Any) -> None:
        """Add one entry to the call's path."""
        elapsed = round(self.clock() - self.started, 1)
        self.call.path.append({"node": node_id, "type": node_type, "t": elapsed, **facts})

    async def say(self, prompts: Sequence[str]) -> None:
        """Play prompts to the end in the call's language."""
        if prompts:
            await self.io.play(list(prompts), self.call.language, interruptible=False)

    async def ask(self, prompts: Sequence[str], timeout: float) -> str | None:
        """The caller's next key: a typed-ahead one, else one pressed during the prompts, else within
        `timeout` seconds after them; None when the caller pressed nothing."""
        key, self.pending = self.pending, None
        if key is None and prompts:
            key = await self.io.play(list(prompts), self.call.language, interruptible=True)
        return key if key is not None else await self.io.get_digit(timeout)

    async def hint(self, prompt: str) -> None:
        """Play a short hint ("invalid choice"); a key pressed during it answers the next question."""
        self.pending = await self.io.play([prompt], self.call.language, interruptible=True)


async def run_flow(
    flow: Flow,
    call: IvrCall,
    io: CallIO,
    services: IvrServices,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """Walk `flow` from its start node until a node ends the flow with an Outcome."""
    if call.flow_name is None:
        call.flow_name = flow.name
    run = Run(flow, call, io, services, clock, clock())
    node_id = flow.start
    for _ in range(MAX_VISITS):
        node = flow.nodes[node_id]
        step = await HANDLERS[node.type](run, node_id, node)
        if isinstance(step, Outcome):
            logger.info("call %s: flow %s ended at node %s: %s", call.uid, flow.name, node_id, step)
            return step
        node_id = step
    logger.warning(
        "call %s: flow %s visited %d nodes; handing over to a person", call.uid, flow.name, MAX_VISITS
    )
    outcome = await services.resolve_queue(call.county, None)
    run.visit(GUARD, GUARD, result=outcome.queue)
    return outcome
