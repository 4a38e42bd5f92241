"""app_queue made to match the agents' states (hotline.acd.queues) against a fake manager."""

from __future__ import annotations

import asyncio
from typing import Any

from hotline.acd.agents import AgentView
from hotline.acd.queues import apply, queue_status, reconcile
from hotline.ami import AmiError


class FakeAmi:
    """Answers QueueStatus from `members` ({(queue, interface): (name, paused, reason)}) and applies
    QueueAdd / QueueRemove / QueuePause to them, as app_queue would."""

    def __init__(self, members: dict[tuple[str, str], tuple[str, bool, str]], queues: list[str]) -> None:
        self.members = dict(members)
        self.queues = queues
        self.actions: list[tuple[str, str, str]] = []
        self.penalties: dict[tuple[str, str], int] = {}

    async def action(self, action: dict[str, Any], *, multi: bool = False) -> Any:
        kind = action["Action"]
        if kind == "QueueStatus":
            reply: list[dict[str, Any]] = [{"Response": "Success"}]
            for q in self.queues:
                reply.append({"Event": "QueueParams", "Queue": q, "Strategy": "rrmemory", "Calls": "1",
                              "Completed": "3", "Abandoned": "1"})  # fmt: skip
                for (queue, iface), (name, paused, reason) in sorted(self.members.items()):
                    if queue == q:
                        reply.append({"Event": "QueueMember", "Queue": q, "Name": name, "Location": iface,
                                      "StateInterface": iface, "Paused": "1" if paused else "0",
                                      "PausedReason": reason, "InCall": "0", "CallsTaken": "2",
                                      "Status": "1", "Wrapuptime": "0",
                                      "Penalty": str(self.penalties.get((queue, iface), 0))})  # fmt: skip
                reply.append({"Event": "QueueEntry", "Queue": q, "Position": "1", "Channel": "PJSIP/x",
                              "CallerIDNum": "075583001", "Wait": "12"})  # fmt: skip
            reply.append({"Event": "QueueStatusComplete"})
            return reply
        key = (action["Queue"], action["Interface"])
        self.actions.append((kind, *key))
        if kind == "QueueAdd":
            if key in self.members:
                raise AmiError("AMI QueueAdd: Unable to add interface: Already there")
            self.members[key] = (action["MemberName"], action["Paused"] == "true", action["Reason"])
            self.penalties[key] = int(action["Penalty"])
        elif kind == "QueueRemove":
            if self.members.pop(key, None) is None:
                raise AmiError("AMI QueueRemove: Unable to remove interface: Not there")
        elif kind == "QueuePenalty":
            self.penalties[key] = int(action["Penalty"])
        elif kind == "QueuePause":
            name = self.members[key][0]
            self.members[key] = (name, action["Paused"] == "true", action["Reason"])
        return {"Response": "Success"}


def agent(name: str, state: str, reason: str | None = None) -> AgentView:
    return AgentView(name, f"PJSIP/agent{name}", ("city", "futian"), state, reason)


def test_reconcile_adds_pauses_and_removes_until_app_queue_matches_and_leaves_strangers_alone() -> None:
    ami = FakeAmi(
        {
            ("futian", "PJSIP/agent8001"): ("8001", False, ""),  # ready; missing from city
            ("city", "PJSIP/agent8002"): ("8002", False, ""),  # paused in the database
            ("futian", "PJSIP/agent8002"): ("8002", True, "break"),  # paused for another reason
            ("city", "PJSIP/agent8003"): ("8003", False, ""),  # logged out in the database
            ("city", "PJSIP/visitor"): ("visitor", False, ""),  # not an agent of ours
        },
        ["city", "futian"],
    )
    agents = [agent("8001", "ready"), agent("8002", "paused", "meal"), agent("8003", "logged_out")]
    fixes = asyncio.run(reconcile(ami, agents))  # type: ignore[arg-type]
    assert ami.members == {
        ("city", "PJSIP/agent8001"): ("8001", False, ""),
        ("futian", "PJSIP/agent8001"): ("8001", False, ""),
        ("city", "PJSIP/agent8002"): ("8002", True, "meal"),
        ("futian", "PJSIP/agent8002"): ("8002", True, "meal"),
        ("city", "PJSIP/visitor"): ("visitor", False, ""),
    }
    assert len(fixes) == 4
    ami.actions.clear()
    assert asyncio.run(reconcile(ami, agents)) == []  # type: ignore[arg-type]
    assert ami.actions == []


def test_apply_follows_each_state_and_tolerates_repeats() -> None:
    ami = FakeAmi({}, ["city", "futian"])
    for view in (agent("8001", "ready"), agent("8001", "ready"), agent("8001", "paused", "meal")):
        asyncio.run(apply(ami, view))  # type: ignore[arg-type]
    assert ami.members[("futian", "PJSIP/agent8001")] == ("8001", True, "meal")
    asyncio.run(apply(ami, agent("8001", "logged_out")))  # type: ignore[arg-type]
    asyncio.run(apply(ami, agent("8001", "logged_out")))  # type: ignore[arg-type]
    assert ami.members == {}


def test_queue_status_reads_members_and_waiting_callers() -> None:
    ami = FakeAmi({("city", "PJSIP/agent8001"): ("8001", True, "meal")}, ["city"])
    status = asyncio.run(queue_status(ami))  # type: ignore[arg-type]
    city = status["city"]
    assert (city.strategy, city.calls, city.completed, city.abandoned) == ("rrmemory", 1, 3, 1)
    [member] = city.members
    assert (member.name, member.interface, member.paused, member.reason, member.calls_taken) == (
        "8001", "PJSIP/agent8001", True, "meal", 2)  # fmt: skip
    [waiting] = city.waiting
    assert (waiting.position, waiting.caller, waiting.wait_s) == (1, "075583001", 12)


def test_members_get_the_penalty_of_their_skill_level_and_reconcile_fixes_a_wrong_one() -> None:
    ami = FakeAmi({("futian_repair", "PJSIP/agent8002"): ("8002", False, "")}, ["city", "futian_repair"])
    skilled = AgentView("8002", "PJSIP/agent8002", ("city", "futian_repair"), "ready", None, (0, 3))
    assert skilled.penalty("futian_repair") == 3 and skilled.penalty("city") == 0
    fixes = asyncio.run(reconcile(ami, [skilled]))  # type: ignore[arg-type]
    assert ami.penalties == {("futian_repair", "PJSIP/agent8002"): 3, ("city", "PJSIP/agent8002"): 0}
    assert "8002: penalty 3 in futian_repair" in fixes
    assert asyncio.run(reconcile(ami, [skilled])) == []  # type: ignore[arg-type]
