"""FastAGI scripts the dialplan calls: call-row hooks that work even while ari_app is down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

from agi.server import AgiRequest, Handler
from hotline import vocabulary as v
from hotline.db.base import utcnow
from hotline.routing.service import Router, settled_reason
from hotline.services.calls import CallEntry, CallNotFound
from hotline.services.callstore import CallStore, host_recording_path, keep_queue_message
from hotline.settings import Settings

logger = logging.getLogger(__name__)


class CallHooks:
    """call_register (fail-open entry), call_connected (agent answered), call_ended (hang-up)."""

    def __init__(self, settings: Settings, store: CallStore, recordings_inner: str, router: Router) -> None:
        self.settings = settings
        self.store = store
        self.router = router
        self.recordings_inner = recordings_inner
        self.background: set[asyncio.Task[object]] = set()

    def routes(self) -> dict[str, Handler]:
        return {
            v.AGI_CALL_REGISTER: self.call_register,
            v.AGI_CALL_CONNECTED: self.call_connected,
            v.AGI_CALL_ENDED: self.call_ended,
            v.AGI_RECORDING_DONE: self.recording_done,
        }

    async def call_register(self, req: AgiRequest) -> None:
        """ari_app is not connected: decide the county (the same routing code ari_app runs), create
        the call row and give the dialplan its id, queue and overflow."""
        dialed = await req.get_variable(v.VAR_DIALED) or req.headers.get("agi_dnid")
        caller = req.headers.get("agi_callerid")
        uid = await req.get_variable(v.VAR_CALL_ID) or None
        if uid and await self.store.exists(uid):  # ari_app registered it, then gave it back
            logger.warning("call %s: back in the dialplan from ari_app (fail-open)", uid)
            return
        queue, county, reason, detail = self.settings.default_queue, None, v.REASON_DEFAULT, "routing failed"
        overflow: tuple[str | None, int | None] = (None, None)
        try:
            decision = await self.router.decide(caller, dialed)
            queue, county, detail = decision.queue, decision.county, decision.detail
            reason = settled_reason(decision.reason, decision.county) or v.REASON_DEFAULT
            overflow = (decision.overflow_queue, decision.overflow_wait)
        except Exception:  # the caller still reaches a person: the city queue
            logger.exception("channel %s: routing failed in fail-open; city queue", req.channel)
        entry = CallEntry(
            req.uniqueid, req.uniqueid, caller, dialed, v.VIA_FAILOPEN, queue,
            county=county, reason=reason, detail=detail, uid=uid,
        )  # fmt: skip
        new = await self.store.register(entry)
        await req.set_variable(f"__{v.VAR_CALL_ID}", new.uid)
        await req.set_variable(v.VAR_QUEUE, new.queue)
        if overflow[0] and overflow[1]:
            await req.set_variable(v.VAR_OVERFLOW_QUEUE, overflow[0])
            await req.set_variable(v.VAR_OVERFLOW_WAIT, str(overflow[1]))
        logger.warning("call %s: registered through fail-open (ari_app not connected): %s", new.uid, detail)

    async def call_connected(self, req: AgiRequest) -> None:
        uid, endpoint = (req.argv + ["", ""])[:2]
        if not uid or uid.startswith("ast"):
            logger.warning("channel %s: agent %s answered a call with no call row", req.channel, endpoint)
            return
        # The agent's leg waits in this gosub before it is bridged to the caller: answer at once and
        # store the answer beside (its time taken now; the hang-up's write queues behind it).
        self.spawn(self._connected(uid, endpoint, req.channel, utcnow()), f"connected-{uid}")

    async def _connected(self, uid: str, endpoint: str, channel: str, at: datetime) -> None:
        try:
            await self.store.connected(uid, endpoint, channel, at=at)
        except CallNotFound:
            logger.error("call %s: connected but unknown", uid)
            return
        logger.info("call %s: answered by %s", uid, endpoint)

    async def call_ended(self, req: AgiRequest) -> None:
        """The caller's hang-up handler: the channel waits on it, so only what the request holds is
        read here; closing the row and keeping the recording or message happen beside it."""
        uid, cause, recording, message = (req.argv + ["", "", "", ""])[:4]
        queue = (await req.get_variable(v.VAR_QUEUE) or None) if message else None
        self.spawn(self._ended(req, uid, cause, recording, message, queue), f"ended-{uid or req.uniqueid}")

    async def _ended(self, req: AgiRequest, uid: str, cause: str, recording: str, message: str,
                     queue: str | None) -> None:  # fmt: skip
        if not uid:  # hung up before ari_app set the call id: find the row by its channel
            uid = await self.store.uid_for_channel(req.uniqueid) or ""
        if not uid or uid.startswith("ast"):
            logger.warning("channel %s: hung up with no call row (recording %s)", req.channel, recording)
            return
        try:
            answered = await self.store.ended(uid, cause)
        except CallNotFound:
            logger.error("call %s: ended but unknown", uid)
            return
        logger.info("call %s: ended (cause %s)", uid, cause)
        if answered and recording:
            self._keep_recording(uid, recording)
        if message:
            path = self._host_path(uid, message, "wav")
            if path is not None:
                self.spawn(keep_queue_message(self.store, uid, path, queue), f"message-{uid}")

    async def recording_done(self, req: AgiRequest) -> None:
        """A recording stopped before the call ends (its caller was sent to a queue, where a new file
        starts): measure and keep it now."""
        uid, recording = (req.argv + ["", ""])[:2]
        if not uid or uid.startswith("ast") or not recording:
            logger.warning("channel %s: a recording ended with no call row (%s)", req.channel, recording)
            return
        self._keep_recording(uid, recording)

    def _keep_recording(self, uid: str, inner: str) -> None:
        """Measure a closed recording (Asterisk's path) and attach it to the call, beside the AGI."""
        path = self._host_path(uid, inner, self.settings.recording_format)
        if path is not None:
            self.spawn(self.store.finish_recording(uid, path), f"recording-{uid}-{path.name}")

    def _host_path(self, uid: str, inner: str, fmt: str) -> Path | None:
        path = host_recording_path(inner, self.recordings_inner, self.settings.recordings_dir, fmt)
        if path is None:
            logger.error("call %s: file %r is outside the recordings directory", uid, inner)
        return path

    def spawn(self, work: Coroutine[Any, Any, object], name: str) -> None:
        """Run `work` beside the AGI conversation (an answer stored, a recording measured); drained at
        shutdown."""
        task = asyncio.create_task(work, name=name)
        self.background.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[object]) -> None:
        self.background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("background task %s failed: %r", task.get_name(), task.exception())

    async def drain(self, timeout: float = 20.0) -> None:
        """Let recordings in progress be measured and stored before the server exits."""
        if self.background:
            await asyncio.wait(set(self.background), timeout=timeout)
