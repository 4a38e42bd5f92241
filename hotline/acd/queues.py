"""app_queue through AMI: make its members match the agents' states, and read its status.

Every AMI wait is bounded (hotline.ami.Ami.action). Membership is keyed by interface
(PJSIP/<endpoint>); members of queues we do not know about are left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hotline.acd.agents import AgentView
from hotline.ami import Ami, AmiError

logger = logging.getLogger(__name__)


@dataclass
class Member:
    queue: str
    interface: str
    name: str
    paused: bool
    reason: str
    in_call: bool
    calls_taken: int
    status: int  # AST_DEVICE_* (1 not in use, 2 in use, 5 unavailable, 6 ringing ...)
    wrapup: int
    penalty: int = 0


@dataclass
class Waiting:
    queue: str
    position: int
    channel: str
    caller: str
    wait_s: int


@dataclass
class QueueState:
    name: str
    strategy: str
    calls: int
    completed: int
    abandoned: int
    members: list[Member] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


async def queue_status(ami: Ami, queue: str | None = None) -> dict[str, QueueState]:
    """QueueStatus: every queue (or one) with its members and waiting callers."""
    action: dict[str, Any] = {"Action": "QueueStatus"}
    if queue:
        action["Queue"] = queue
    reply = await ami.action(action, multi=True)
    queues: dict[str, QueueState] = {}
    for msg in reply if isinstance(reply, list) else [reply]:
        event = msg.get("Event")
        name = str(msg.get("Queue", ""))
        if event == "QueueParams":
            queues[name] = QueueState(name, str(msg.get("Strategy", "")), _int(msg.get("Calls")),
                                      _int(msg.get("Completed")), _int(msg.get("Abandoned")))  # fmt: skip
        elif event == "QueueMember" and name in queues:
            queues[name].members.append(
                Member(
                    name,
                    str(msg.get("StateInterface") or msg.get("Location", "")),
                    str(msg.get("Name", "")),
                    str(msg.get("Paused")) == "1",
                    str(msg.get("PausedReason", "")),
                    str(msg.get("InCall")) == "1",
                    _int(msg.get("CallsTaken")),
                    _int(msg.get("Status")),
                    _int(msg.get("Wrapuptime")),
                    _int(msg.get("Penalty")),
                )  # fmt: skip
            )
        elif event == "QueueEntry" and name in queues:
            queues[name].waiting.append(
                Waiting(
                    name,
                    _int(msg.get("Position")),
                    str(msg.get("Channel", "")),
                    str(msg.get("CallerIDNum", "")),
                    _int(msg.get("Wait")),
                )  # fmt: skip
            )
    return queues


async def _add(ami: Ami, queue: str, agent: AgentView) -> bool:
    """Add the member, paused or not; False when it was already there (with its old pause state)."""
    try:
        await ami.action({"Action": "QueueAdd", "Queue": queue, "Interface": agent.interface,
                          "StateInterface": agent.interface, "MemberName": agent.name,
                          "Penalty": agent.penalty(queue),
                          "Paused": "true" if agent.paused else "false",
                          "Reason": agent.pause_reason or ""})  # fmt: skip
    except AmiError as exc:  # "Unable to add interface: Already there"
        if "Already there" not in str(exc):
            raise
        return False
    return True


async def _remove(ami: Ami, queue: str, interface: str) -> None:
    try:
        await ami.action({"Action": "QueueRemove", "Queue": queue, "Interface": interface})
    except AmiError as exc:
        if "Not there" not in str(exc):
            raise


async def _pause(ami: Ami, queue: str, agent: AgentView) -> None:
    paused = "true" if agent.paused else "false"
    await ami.action({"Action": "QueuePause", "Queue": queue, "Interface": agent.interface,
                      "Paused": paused, "Reason": agent.pause_reason or ""})  # fmt: skip


async def _penalty(ami: Ami, queue: str, agent: AgentView) -> None:
    await ami.action({"Action": "QueuePenalty", "Queue": queue, "Interface": agent.interface,
                      "Penalty": agent.penalty(queue)})  # fmt: skip


async def apply(ami: Ami, agent: AgentView) -> None:
    """Make app_queue hold this agent as its state says, in every queue it serves."""
    for queue in agent.queues:
        if not agent.member:
            await _remove(ami, queue, agent.interface)
            continue
        if not await _add(ami, queue, agent):
            await _pause(ami, queue, agent)  # an existing member keeps its old pause state otherwise
            await _penalty(ami, queue, agent)


async def reconcile(ami: Ami, agents: Sequence[AgentView]) -> list[str]:
    """Compare app_queue with the agents' states and fix every difference; the fixes, as text.

    Run after every (re)connect to Asterisk's manager: an Asterisk restarted without its astdb, or
    a member changed behind the application's back, is brought back to the application's view."""
    status = await queue_status(ami)
    actual = {(m.queue, m.interface): m for q in status.values() for m in q.members}
    ours = {a.interface for a in agents}
    fixes: list[str] = []
    wanted: set[tuple[str, str]] = set()
    for agent in agents:
        for queue in agent.queues if agent.member else ():
            wanted.add((queue, agent.interface))
            member = actual.get((queue, agent.interface))
            if member is None:
                await _add(ami, queue, agent)
                fixes.append(f"{agent.name}: added to {queue}")
            elif member.paused != agent.paused or (
                agent.paused and member.reason != (agent.pause_reason or "")
            ):
                await _pause(ami, queue, agent)
                fixes.append(f"{agent.name}: {'paused' if agent.paused else 'unpaused'} in {queue}")
            if member is not None and member.penalty != agent.penalty(queue):
                await _penalty(ami, queue, agent)
                fixes.append(f"{agent.name}: penalty {agent.penalty(queue)} in {queue}")
    for (queue, iface), member in actual.items():
        if iface in ours and (queue, iface) not in wanted:
            await _remove(ami, queue, iface)
            fixes.append(f"{member.name or iface}: removed from {queue}")
    for fix in fixes:
        logger.info("ACD reconcile: %s", fix)
    return fixes
