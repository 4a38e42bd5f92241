"""Callback-in-queue in the FastAGI server: the caller's request, the placeholder's data for the
dialplan, each attempt's outcome, and the dialer that puts due placeholders into their queues."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from agi.server import AgiRequest, Handler
from hotline import vocabulary as v
from hotline.acd import callbacks
from hotline.ami import AmiError, ami_session
from hotline.services.calls import CallNotFound
from hotline.services.callstore import CallStore, host_recording_path
from hotline.settings import Settings

logger = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, object], str], None]


class CallbackHooks:
    """callback_request (a waiting caller pressed 1), callback_placement (the placeholder asks what
    to do), callback_result (the attempt is over)."""

    def __init__(self, settings: Settings, store: CallStore, recordings_inner: str, spawn: Spawn) -> None:
        self.settings = settings
        self.store = store
        self.recordings_inner = recordings_inner
        self.spawn = spawn  # CallHooks.spawn: background work drained with the call hooks' at shutdown
        self.wake = asyncio.Event()  # the dialer looks at once instead of at its next tick

    def routes(self) -> dict[str, Handler]:
        return {
            v.AGI_CALLBACK_REQUEST: self.callback_request,
            v.AGI_CALLBACK_PLACEMENT: self.callback_placement,
            v.AGI_CALLBACK_RESULT: self.callback_result,
        }

    async def callback_request(self, req: AgiRequest) -> None:
        uid, queue, position = (req.argv + ["", "", ""])[:3]
        try:
            made = await self.store.writer.run(
                lambda session: callbacks.request(session, uid, queue, int(position or 1))
            )
        except (CallNotFound, ValueError):
            logger.error("channel %s: callback asked for an unknown call %r", req.channel, uid)
            return
        if made is None:
            logger.info("call %s: callback already asked for (or no number to call): nothing added", uid)
            return
        logger.info("call %s: callback requested in %s at position %s", uid, queue, position)
        self.wake.set()

    async def callback_placement(self, req: AgiRequest) -> None:
        """On the placeholder (argv: id) and on the dialling half (argv: id, dial): the queue, the
        position and the number; the recording file of the attempt. Nothing set: the callback is over."""
        ident, role = (req.argv + ["", ""])[:2]
        if not ident.isdigit():
            return
        channel = None if role == "dial" else req.uniqueid  # the placeholder: its queue events are the call's
        found = await self.store.writer.run(lambda session: callbacks.placement(session, int(ident), channel))
        if found is None:
            return
        await req.set_variable(v.VAR_QUEUE, found.queue)
        await req.set_variable(v.VAR_CALLBACK_POSITION, str(found.position))
        await req.set_variable(v.VAR_CALLBACK_NUMBER, found.number)
        if role == "dial":
            await self.store.writer.run(lambda session: callbacks.dialing(session, int(ident)))
            return
        day = datetime.now(UTC).strftime("%Y/%m/%d")
        await req.set_variable(
            "MONITOR_FILENAME", f"{self.recordings_inner}/{day}/{found.call_uid}-cb{found.attempt}"
        )

    async def callback_result(self, req: AgiRequest) -> None:
        ident, status = (req.argv + ["", ""])[:2]
        if not ident.isdigit():
            return
        settings = self.settings

        def finish(session: Session) -> tuple[str, str, str | None] | None:
            done = callbacks.finish_attempt(
                session, int(ident), status,
                max_attempts=settings.callback_max_attempts, retry_after=settings.callback_retry_s,
            )  # fmt: skip
            if done is None:
                return None
            return callbacks.placement_uid(session, done), done.status, done.recording

        outcome = await self.store.writer.run(finish)
        if outcome is None:
            return
        uid, state, recording = outcome
        logger.info("call %s: callback attempt ended %s -> %s", uid, status, state)
        if status == "ANSWER" and recording:
            path = host_recording_path(recording, self.recordings_inner, settings.recordings_dir,
                                       settings.recording_format)  # fmt: skip
            if path is not None:
                self.spawn(
                    self.store.finish_recording(uid, path, leg="callback"), f"recording-{uid}-callback"
                )


class CallbackDialer:
    """Puts due callbacks' placeholders into their queues (AMI Originate of a Local channel)."""

    def __init__(self, settings: Settings, store: CallStore, hooks: CallbackHooks, tick: float = 1.0) -> None:
        self.settings = settings
        self.store = store
        self.hooks = hooks
        self.tick = tick

    async def step(self) -> int:
        """Place every due callback; returns how many placeholders were sent."""
        day = datetime.now(UTC).strftime("%Y/%m/%d")
        inner = f"{self.hooks.recordings_inner}/{day}"
        placements = await self.store.writer.run(
            lambda session: [callbacks.place(session, cb, inner) for cb in callbacks.due(session)]
        )
        if not placements:
            return 0
        sent = 0
        try:
            async with ami_session(self.settings) as ami:
                for p in placements:
                    await ami.action(self._originate(p))
                    sent += 1
                    logger.info("call %s: callback placeholder in %s at position %s (attempt %s)",
                                p.call_uid, p.queue, p.position, p.attempt)  # fmt: skip
        except (AmiError, OSError) as exc:
            left = [p.callback_id for p in placements[sent:]]
            logger.error("callbacks: could not place %d placeholders (%s); retrying", len(left), exc)

            def requeue(session: Session) -> None:
                for ident in left:
                    callbacks.requeue(session, ident, 5)

            await self.store.writer.run(requeue)
        return sent

    def _originate(self, p: callbacks.Placement) -> dict[str, str]:
        exten = callbacks.exten(p.callback_id)
        return {
            "Action": "Originate",
            "Channel": f"Local/{exten}@{v.CTX_CALLBACK_QUEUE}/n",
            "Context": v.CTX_CALLBACK_DIAL,
            "Exten": exten,
            "Priority": "1",
            "Timeout": str(self.settings.callback_wait_max_s * 1000),
            "CallerID": f'"callback" <{p.number}>',
            "Async": "true",
        }

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.step()
            except Exception:
                logger.exception("callbacks: step failed; retrying")
            self.hooks.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken(stop), self.tick)

    async def _woken(self, stop: asyncio.Event) -> None:
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.hooks.wake.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
