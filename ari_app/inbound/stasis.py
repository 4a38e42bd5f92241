"""ARI adapter of the inbound flow: one coroutine per call, run in its own task."""

from __future__ import annotations

import logging

from ari_app.callstate import CallState
from ari_app.context import AppContext
from ari_app.inbound.services import choose_queue
from hotline import vocabulary as v
from hotline.services.calls import CallEntry

logger = logging.getLogger(__name__)

PROMPT_TIMEOUT = 60.0


async def play_prompt(ctx: AppContext, state: CallState, name: str) -> None:
    """Play `sound:hotline/<name>` in the call's language and wait for it to finish."""
    assert state.uid is not None
    pid = v.playback_id(state.uid, name)
    done = state.expect_playback(pid)
    await ctx.ari.play(state.channel_id, f"sound:hotline/{name}", pid, lang=ctx.settings.language)
    if not await state.wait(done, PROMPT_TIMEOUT):
        logger.warning("call %s: prompt %s did not finish in %.0f s", state.uid, name, PROMPT_TIMEOUT)
        await ctx.ari.stop_playback(pid)


async def inbound(ctx: AppContext, state: CallState) -> None:
    """Answer, write the call row, welcome the caller and hand the call to its queue."""
    ari, ch = ctx.ari, state.channel_id
    await ari.answer(ch)
    queue = choose_queue(ctx.settings, state.caller, state.dialed)
    new = await ctx.store.register(
        CallEntry(ch, state.linked_id, state.caller, state.dialed, v.VIA_ARI, queue)
    )
    state.uid = new.uid
    logger.info("call %s: channel %s from %s entered, queue %s", new.uid, ch, state.caller, queue)
    await ari.set_var(ch, f"__{v.VAR_CALL_ID}", new.uid)
    await ari.set_var(ch, v.VAR_QUEUE, new.queue)
    await ari.set_var(ch, f"__{v.VAR_VIA}", v.VIA_ARI)
    await play_prompt(ctx, state, ctx.settings.welcome_prompt)
    await ari.continue_in_dialplan(ch, v.CTX_ACD, "s", 1)
    logger.info("call %s: handed to the ACD (queue %s)", new.uid, new.queue)
