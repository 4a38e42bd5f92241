"""ARI adapter of the inbound flow: one coroutine per call, run in its own task."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.orm import Session

from ari_app.callstate import CallState
from ari_app.context import AppContext
from ari_app.ivr.io import AriCallIO
from ari_app.ivr.services import CenterServices
from hotline import vocabulary as v
from hotline.ivr.engine import run_flow
from hotline.ivr.ports import IvrCall, Outcome
from hotline.routing.service import Decision, settled_reason
from hotline.services.calls import CallEntry, IvrFacts, NewCall, register_call

logger = logging.getLogger(__name__)


async def inbound(ctx: AppContext, state: CallState) -> None:
    """Decide the county, write the call row, run the IVR flow, then hand the call on (the dialplan
    answered the call before Stasis: one request less per call)."""
    ari, ch = ctx.ari, state.channel_id

    def register(session: Session, decision: Decision) -> NewCall:
        entry = CallEntry(
            ch, state.linked_id, state.caller, state.dialed, v.VIA_ARI, decision.queue,
            county=decision.county, reason=decision.reason, detail=decision.detail,
            uid=state.dialplan_uid,
        )  # fmt: skip
        return register_call(session, entry)

    decision, new = await ctx.router.decide_then(state.caller, state.dialed, register)
    state.uid = new.uid
    logger.info("call %s: channel %s from %s entered (%s: %s), row written %s", new.uid, ch, state.caller,
                decision.reason, decision.detail, state.since_start())  # fmt: skip
    state.queue = decision.queue  # where a give-back (a failing flow) queues the call
    if new.uid != state.dialplan_uid:  # the dialplan's id was missing or malformed: ours is the one
        await ari.set_var(ch, f"__{v.VAR_CALL_ID}", new.uid)
    call = IvrCall(
        new.uid, state.caller, state.dialed, ctx.settings.language,
        county=decision.county, routing_reason=decision.reason, routing_detail=decision.detail,
    )  # fmt: skip
    outcome = await _run_ivr(ctx, state, call, decision)
    try:
        await hand_on(ctx, state, call, outcome)
    finally:
        # After the hand-off, so a burst of new calls' database work never delays it.
        await asyncio.shield(ctx.store.record_ivr(call.uid, _facts(call, outcome.queue or decision.queue)))


async def _run_ivr(ctx: AppContext, state: CallState, call: IvrCall, decision: Decision) -> Outcome:
    """Run the newest version of the center's flow; the call keeps that version to its end."""
    current = await ctx.flows.current(ctx.settings.ivr_flow)
    try:
        if current is None:
            logger.warning(
                "call %s: no IVR flow %r loaded; welcome and queue", call.uid, ctx.settings.ivr_flow
            )
            await AriCallIO(ctx, state).play(
                [ctx.settings.welcome_prompt], call.language, interruptible=False
            )
            outcome = Outcome(
                "queue",
                decision.queue,
                overflow_queue=decision.overflow_queue,
                overflow_wait=decision.overflow_wait,
            )
        else:
            call.flow_name, call.flow_version = ctx.settings.ivr_flow, current[0]
            outcome = await run_flow(current[1], call, AriCallIO(ctx, state), CenterServices(ctx))
        return outcome
    except BaseException:
        # Stored even when the caller hangs up mid-menu: the path shows how far they got.
        await asyncio.shield(ctx.store.record_ivr(call.uid, _facts(call, decision.queue)))
        raise


def _facts(call: IvrCall, queue: str | None) -> IvrFacts:
    reason = settled_reason(call.routing_reason, call.county)
    return IvrFacts(queue, call.county, reason, call.routing_detail, call.language, call.category,
                    call.urgency, call.flow_version, call.path)  # fmt: skip


async def hand_on(ctx: AppContext, state: CallState, call: IvrCall, outcome: Outcome) -> None:
    """Queue (with overflow), transfer, or hang up: the dialplan does the rest."""
    ari, ch = ctx.ari, state.channel_id
    if outcome.kind == "hangup":
        logger.info("call %s: the flow ended the call", call.uid)
        await ari.hangup(ch, "normal")
        return
    if outcome.kind == "transfer":
        await ctx.store.set_disposition(call.uid, v.DISP_TRANSFERRED)
        number = "".join(c for c in outcome.number or "" if c.isdigit())
        await ari.continue_in_dialplan(ch, v.CTX_TRANSFER, number or "s", 1)
        logger.info("call %s: transferred to %s", call.uid, outcome.number)
        return
    queue = outcome.queue or ctx.settings.default_queue
    route = v.route_value(queue, outcome.overflow_queue, outcome.overflow_wait, call.language, call.county)
    await ari.continue_in_dialplan(ch, v.CTX_ACD, v.route_exten(route), 1)
    logger.info("call %s: handed to the ACD (queue %s) %s, %s", call.uid, queue, state.since_start(),
                state.since_last_key())  # fmt: skip
