"""Transfer and pickup, asked of Asterisk through AMI (the console's buttons and `hotline calls`).

Every target is an extension of the agents' dialplan context (from-agents), the same one a phone's
own SIP transfer (REFER) lands in: a colleague by agent name, an outside number through the carrier,
or a queue (`queue:<name>`, extension q_<name>): the caller waits there for its agents, its recording
so far is closed and the rest goes to a new file of the same call.
The caller's channel carries the call id (an inherited channel variable) into every new leg, so the
legs of a transferred or picked-up call are all recorded on the one call row.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass

from hotline import vocabulary as v
from hotline.ami import Ami

OUTSIDE = re.compile(r"^[01]\d{4,19}$")  # national form: fixed lines start with 0, mobiles with 1
AGENT_NAME = re.compile(r"^\d{3,6}$")
PICKUP_PREFIX = "**"  # **<agent>: pick up the call ringing at that agent's phone
QUEUE_PREFIX = "q_"  # q_<queue>: wait in that queue (queue names are [a-z][a-z0-9_]*)


class TransferError(ValueError):
    """The target is not something a call can be sent to; the message says why."""


@dataclass(frozen=True)
class Target:
    kind: str  # agent | outside | queue
    exten: str

    def describe(self) -> str:
        if self.kind == "queue":
            return f"queue {self.exten.removeprefix(QUEUE_PREFIX)}"
        return f"agent {self.exten}" if self.kind == "agent" else f"outside number {self.exten}"


def parse_target(
    text: str, agents: Set[str], queues: Set[str] = frozenset(), attended: bool = False
) -> Target:
    """An agent name of the center, a queue (`queue:<name>`), or an outside number (national form).
    A queue is not consulted (the agent would wait in it with the caller on hold): its transfer is blind."""
    if text.startswith("queue:"):
        name = text.removeprefix("queue:").strip()
        if name not in queues:
            known = ", ".join(sorted(queues)) or "none"
            raise TransferError(f"no queue is called {name!r} (queues: {known})")
        if attended:
            raise TransferError("a call is sent to a queue with a blind transfer (leave out --attended)")
        return Target("queue", f"{QUEUE_PREFIX}{name}")
    value = re.sub(r"[\s-]", "", text)
    if value in agents:
        return Target("agent", value)
    if AGENT_NAME.match(value):
        raise TransferError(f"no agent is called {value!r}")
    if OUTSIDE.match(value):
        return Target("outside", value)
    raise TransferError(f"{text!r} is neither an agent of the center nor a phone number (0… or 1…)")


async def blind_transfer(ami: Ami, agent_channel: str, target: Target) -> None:
    """The agent's caller goes to the target; the agent's leg ends."""
    await ami.action({"Action": "BlindTransfer", "Channel": agent_channel, "Context": v.CTX_FROM_AGENTS,
                      "Exten": target.exten})  # fmt: skip


async def attended_transfer(ami: Ami, agent_channel: str, target: Target) -> None:
    """The agent consults the target while the caller waits; when the agent hangs up, the caller and
    the target are connected."""
    await ami.action({"Action": "Atxfer", "Channel": agent_channel, "Context": v.CTX_FROM_AGENTS,
                      "Exten": target.exten})  # fmt: skip


async def pickup(ami: Ami, picker_endpoint: str, ringing_agent: str, timeout_s: int = 20) -> None:
    """Ring the picker's phone; when it answers, it takes the call ringing at `ringing_agent`'s phone."""
    await ami.action({
        "Action": "Originate", "Channel": f"PJSIP/{picker_endpoint}", "Context": v.CTX_FROM_AGENTS,
        "Exten": f"{PICKUP_PREFIX}{ringing_agent}", "Priority": "1", "Timeout": str(timeout_s * 1000),
        "CallerID": f'"pickup" <{ringing_agent}>', "Async": "true",
    })  # fmt: skip
