"""What each node type does: one handler per type, returning the next node id or the call's Outcome."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hotline import vocabulary as v
from hotline.ivr.ports import Outcome
from hotline.ivr.schema import (
    ChooseCountyNode,
    CollectNode,
    HangupNode,
    HoursNode,
    MenuNode,
    MessageNode,
    PlayNode,
    RouteNode,
    SetNode,
    TicketStatusNode,
    TransferNode,
)
from hotline.ivr.speech import ticket_status_prompts
from hotline.services.tickets import normalise_ticket_number

if TYPE_CHECKING:
    from hotline.ivr.engine import Run

Step = str | Outcome
Asking = MenuNode | CollectNode | ChooseCountyNode
TIMEOUT, INVALID = "timeout", "invalid"


@dataclass(frozen=True)
class Go:
    """A question answered: where to go and what to note on the path."""

    target: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Miss:
    """A question not answered (timeout) or answered wrongly (invalid)."""

    kind: str
    digits: str = ""


Attempt = Callable[[float], Awaitable[Go | Miss]]


async def _retrying(run: Run, node_id: str, node: Asking, attempt: Attempt) -> str:
    """Ask until answered: a miss plays a hint and asks again; `retries` misses go to on_fail."""
    retries = node.retries or run.flow.defaults.retries
    timeout = node.timeout or run.flow.defaults.timeout
    for tries in range(1, retries + 1):
        answer = await attempt(timeout)
        if isinstance(answer, Go):
            run.visit(node_id, node.type, **answer.facts, result=answer.target)
            return answer.target
        explicit = node.on_timeout if answer.kind == TIMEOUT else getattr(node, "on_invalid", None)
        target = explicit or (run.flow.target(node.on_fail) if tries == retries else None)
        if target is not None:
            run.visit(node_id, node.type, digits=answer.digits, result=answer.kind, next=target)
            return target
        run.visit(node_id, node.type, digits=answer.digits, result=answer.kind)
        await run.hint(node.timeout_prompt if answer.kind == TIMEOUT else node.invalid_prompt)
    raise AssertionError("unreachable: the last miss goes to on_fail")


async def menu(run: Run, node_id: str, node: MenuNode) -> Step:
    async def attempt(timeout: float) -> Go | Miss:
        key = await run.ask(node.prompts, timeout)
        if key is None:
            return Miss(TIMEOUT)
        if key in node.options:
            return Go(node.options[key], {"digits": key})
        if node.other is not None:
            run.pending = key  # type-ahead: the next question gets this key
            return Go(node.other, {"digits": key, "kept": True})
        if key == "0" and run.flow.defaults.operator is not None:
            return Go(run.flow.defaults.operator, {"digits": key})
        return Miss(INVALID, key)

    return await _retrying(run, node_id, node, attempt)


async def collect(run: Run, node_id: str, node: CollectNode) -> Step:
    async def attempt(timeout: float) -> Go | Miss:
        key = await run.ask(node.prompts, timeout)
        if key is None:
            return Miss(TIMEOUT)
        digits = ""
        while key is not None and key != node.terminator:
            digits += key
            if len(digits) >= node.max_digits:
                break
            key = await run.io.get_digit(timeout)
        if len(digits) < node.min_digits:
            return Miss(INVALID, digits)
        run.call.variables[node.var] = digits
        return Go(node.next, {"digits": digits})

    return await _retrying(run, node_id, node, attempt)


async def choose_county(run: Run, node_id: str, node: ChooseCountyNode) -> Step:
    call = run.call
    if call.county is not None:
        run.visit(node_id, node.type, skipped=True, result=node.next)
        return node.next
    counties = await run.services.county_menu()
    if not counties:  # no district menu in the routing data: nothing to ask
        target = run.flow.target(node.on_fail)
        run.visit(node_id, node.type, result="no_menu", next=target)
        return target

    async def attempt(timeout: float) -> Go | Miss:
        key = await run.ask(node.prompts, timeout)
        if key is None:
            return Miss(TIMEOUT)
        if key in counties:
            call.county, call.routing_reason = counties[key], v.REASON_CHOICE
            call.routing_detail = f"district menu key {key}: {call.county}"
            return Go(node.next, {"digits": key, "county": call.county})
        if key == "0":  # "other districts": nobody's county, the center takes the call
            return Go(run.flow.target(node.on_fail), {"digits": key})
        return Miss(INVALID, key)

    return await _retrying(run, node_id, node, attempt)


async def play(run: Run, node_id: str, node: PlayNode) -> Step:
    if not node.interruptible:
        await run.say(node.prompts)
    elif run.pending is None:
        run.pending = await run.io.play(list(node.prompts), run.call.language, interruptible=True)
    run.visit(node_id, node.type, result=node.next)
    return node.next


async def set_(run: Run, node_id: str, node: SetNode) -> Step:
    call = run.call
    changed: dict[str, str] = {}
    for name in ("language", "category", "urgency", "skill", "county"):
        value = getattr(node, name)
        if value is not None:
            setattr(call, name, value)
            changed[name] = value
    if node.county is not None:
        call.routing_reason, call.routing_detail = v.REASON_CHOICE, f"flow node {node_id}"
    run.visit(node_id, node.type, **changed, result=node.next)
    return node.next


async def route(run: Run, node_id: str, node: RouteNode) -> Step:
    call = run.call
    if node.skill is not None:
        call.skill = node.skill
    await run.say(node.prompts)
    outcome = await run.services.resolve_queue(call.county, call.skill)
    run.visit(node_id, node.type, skill=call.skill, result=outcome.queue)
    return outcome


async def hours(run: Run, node_id: str, node: HoursNode) -> Step:
    services = run.services
    is_open, reason = await services.is_open(run.call.county, services.now())
    run.visit(node_id, node.type, result="open" if is_open else "closed", reason=reason)
    return node.open if is_open else node.closed


async def message(run: Run, node_id: str, node: MessageNode) -> Step:
    call = run.call
    await run.say(node.prompts)
    name = "msg-" + re.sub(r"[^A-Za-z0-9-]", "", call.uid)[:48]
    recorded = await run.io.record(name, node.max_seconds, call.language)
    if recorded is None:
        target = node.on_empty or node.next
        run.visit(node_id, node.type, result="empty", next=target)
        return target
    await run.services.save_message(call, recorded)
    run.visit(node_id, node.type, result="saved", seconds=recorded.duration_s, next=node.next)
    return node.next


async def ticket_status(run: Run, node_id: str, node: TicketStatusNode) -> Step:
    call, services = run.call, run.services
    digits = call.variables.get(node.var, "")
    number = normalise_ticket_number(digits)
    found = await services.ticket_status(number) if number is not None else None
    # The path entry comes first: a caller who hangs up while it is read out was still told.
    if found is None:
        target = node.on_unknown or node.next
        run.visit(node_id, node.type, digits=digits, result="unknown", next=target)
        await run.say([*node.prompts, node.unknown_prompt])
        return target
    number, status, updated = found
    if updated.tzinfo is not None:
        updated = updated.astimezone(services.now().tzinfo)  # the date as the center sees it
    run.visit(node_id, node.type, ticket=number, status=status, result="found", next=node.next)
    await run.say([*node.prompts, *ticket_status_prompts(number, status, updated, call.language)])
    return node.next


async def transfer(run: Run, node_id: str, node: TransferNode) -> Step:
    await run.say(node.prompts)
    run.visit(node_id, node.type, result=node.number)
    return Outcome("transfer", number=node.number)


async def hangup(run: Run, node_id: str, node: HangupNode) -> Step:
    await run.say(node.prompts)
    run.visit(node_id, node.type, result="hangup")
    return Outcome("hangup")


Handler = Callable[["Run", str, Any], Awaitable[Step]]
HANDLERS: dict[str, Handler] = {
    "play": play,
    "menu": menu,
    "collect": collect,
    "set": set_,
    "route": route,
    "hours": hours,
    "choose_county": choose_county,
    "message": message,
    "ticket_status": ticket_status,
    "transfer": transfer,
    "hangup": hangup,
}
