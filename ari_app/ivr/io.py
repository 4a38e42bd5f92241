"""The caller's channel for the IVR interpreter: prompts with barge-in, digits, a recorded message."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

from ari_app.callstate import CallerGone, CallState
from ari_app.context import AppContext
from ari_app.errors import AriNotFound
from hotline import vocabulary as v
from hotline.ivr.ports import RecordedMessage
from hotline.services.recordings import make_dirs_as, measure, wait_closed

logger = logging.getLogger(__name__)

PROMPT_TIMEOUT = 120.0  # a prompt list longer than this is stopped
RECORDING_GRACE = 10.0  # beyond max_seconds: wait this long for RecordingFinished
HANGUP_GRACE = 3.0  # after the caller hangs up mid-message: wait this long for the file


class AriCallIO:
    """`hotline.ivr.ports.CallIO` on one ARI channel. Digits pressed and not consumed wait in the
    call state's queue (type-ahead); CallerGone (an IvrHangup) is raised when the caller leaves."""

    def __init__(self, ctx: AppContext, state: CallState) -> None:
        assert state.uid is not None
        self.ctx = ctx
        self.state = state
        self.uid = state.uid

    async def play(self, prompts: list[str], language: str, interruptible: bool = True) -> str | None:
        state = self.state
        if interruptible:
            early = state.take_digit()
            if early is not None:  # pressed before the prompt began: the prompt is skipped
                return early
        pid = v.playback_id(self.uid, f"{state.next_seq()}")
        done = state.expect_playback(pid)
        media = [f"sound:hotline/{name}" for name in prompts]
        try:
            await self.ctx.ari.play(state.channel_id, media, pid, lang=language)
            also = (state.digit_arrived,) if interruptible else ()
            finished = await state.wait(done, PROMPT_TIMEOUT, *also)
            if interruptible and not done.is_set() and state.digit_arrived.is_set():
                # the flow goes on at once: the stop is sent ahead of the channel's next request
                await self._stop(pid, wait=False)
                return state.take_digit()
            if not finished:
                logger.warning(
                    "call %s: prompts %s did not finish in %.0f s", self.uid, prompts, PROMPT_TIMEOUT
                )
                await self._stop(pid)
            return None
        finally:
            state.playbacks.pop(pid, None)

    async def _stop(self, pid: str, wait: bool = True) -> None:
        with contextlib.suppress(AriNotFound):  # it finished meanwhile
            await self.ctx.ari.stop_playback(pid, self.state.channel_id, wait=wait)

    async def get_digit(self, timeout: float) -> str | None:
        state = self.state
        digit = state.take_digit()
        if digit is not None:
            return digit
        if await state.wait(state.digit_arrived, timeout):
            return state.take_digit()
        return None

    async def record(self, name: str, max_seconds: int, language: str) -> RecordedMessage | None:
        """Record into Asterisk's spool, then move the file under the recordings directory.

        A caller who hangs up mid-message still leaves it: the file Asterisk closes is kept."""
        state, ari = self.state, self.ctx.ari
        rec_name = name
        done = state.expect_recording(rec_name)
        await ari.record(
            state.channel_id,
            rec_name,
            format="wav",
            max_duration=max_seconds,
            max_silence=10,
            beep=True,
            terminate_on="#",
            if_exists="overwrite",
        )
        gone = False
        try:
            await state.wait(done, max_seconds + RECORDING_GRACE)
        except CallerGone:
            gone = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), HANGUP_GRACE)
        if not done.is_set():
            with contextlib.suppress(AriNotFound):
                await ari.stop_recording(rec_name)
        if state.recording_results.get(rec_name) == "failed":
            logger.error("call %s: recording the message failed", self.uid)
            message = None
        else:
            # shielded: a message the caller left is kept even if ari_app is stopping
            message = await asyncio.shield(asyncio.to_thread(self._keep, rec_name))
        if gone and message is None:
            raise CallerGone(state.channel_id)
        return message

    def _keep(self, rec_name: str) -> RecordedMessage | None:
        source = self.ctx.spool_recordings / f"{rec_name}.wav"
        if not wait_closed(source, 5.0):
            logger.error("call %s: message file %s is missing or was not closed", self.uid, source)
            return None
        day = datetime.now(UTC).strftime("%Y/%m/%d")
        target = self.ctx.settings.recordings_dir / "messages" / day / f"{rec_name}.wav"
        make_dirs_as(target.parent, self.ctx.settings.recordings_dir)
        shutil.move(source, target)
        facts = measure(Path(target))
        if facts.status != "ok":
            logger.warning("call %s: message %s is %s; not kept", self.uid, target, facts.status)
            return None
        return RecordedMessage(str(target), facts.duration_s)
