"""The ARI daemon: connect, reconnect, reconcile, and route each StasisStart to its feature."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ari_app.acd.keeper import AcdKeeper
from ari_app.callstate import CallerGone, CallState
from ari_app.client import AriClient
from ari_app.context import AppContext, spool_recordings_dir
from ari_app.desk.notifier import ConsoleNotifier
from ari_app.desk.stasis import EVENT_TYPES as DESK_EVENT_TYPES
from ari_app.desk.stasis import DeskWatcher
from ari_app.errors import AriConflict, AriError, AriNotFound
from ari_app.inbound.stasis import inbound
from hotline import vocabulary as v
from hotline.db.groupcommit import GroupCommit
from hotline.db.session import Database
from hotline.ivr.store import FlowCache
from hotline.routing.service import Router
from hotline.secrets import SecretStore
from hotline.services.callstore import CallStore
from hotline.settings import Settings

logger = logging.getLogger(__name__)

Route = Callable[[AppContext, CallState], Awaitable[None]]

# Stasis(<app>,<feature>,...): the first argument picks the coroutine that owns the call.
ROUTES: dict[str, Route] = {v.FEATURE_INBOUND: inbound}

# Only what the features consume crosses the socket (Asterisk 22 application event filter).
EVENT_TYPES = [
    "StasisStart",
    "StasisEnd",
    "ChannelDestroyed",
    "ChannelHangupRequest",
    "PlaybackFinished",
    "ChannelDtmfReceived",
    "RecordingFinished",
    "RecordingFailed",
]


def _channel_of(event: dict[str, Any]) -> str | None:
    if "channel" in event:
        return str(event["channel"].get("id"))
    target = (event.get("playback") or event.get("recording") or {}).get("target_uri", "")
    return target.split(":", 1)[1] if target.startswith("channel:") else None


class HotlineApp:
    """One TaskGroup; one task and one CallState per call in Stasis."""

    def __init__(self, settings: Settings, spool_recordings: Path | None = None, acd: bool = True) -> None:
        self.settings = settings
        self.database = Database(settings.db_url)
        # Agent states re-applied to app_queue after every AMI (re)login; off in ARI-only wire tests.
        self.keeper = AcdKeeper(settings, self.database) if acd else None
        self.ari = AriClient(
            settings.ari_url,
            settings.ari_app,
            SecretStore.for_home(settings.home).ari_password(),
            settings.ari_app,
            on_event=self.on_event,
            on_connect=self.on_connect,
            event_types=sorted({*EVENT_TYPES, *DESK_EVENT_TYPES}) if settings.desk_events else EVENT_TYPES,
            rest_over_ws=settings.ari_rest_over_websocket,
            rest_lanes=settings.ari_rest_lanes,
        )
        writer = GroupCommit(self.database)  # the call rows of every call, committed in batches
        self.ctx = AppContext(
            self.ari,
            CallStore(self.database, writer),
            settings,
            Router(self.database, settings, writer),
            FlowCache(self.database),
            spool_recordings or spool_recordings_dir(settings),
        )
        self.desk = DeskWatcher(self.ari, self.database, ConsoleNotifier(settings))
        self.calls: dict[str, CallState] = {}
        self._tg: asyncio.TaskGroup | None = None
        self.status_path = settings.run_dir / "ari_app.json"

    # ---- read loop side: synchronous, never awaits ----
    def on_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == "StasisStart":
            self._start_call(event)
            return
        channel = _channel_of(event)
        state = self.calls.get(channel) if channel else None
        if state is not None:
            state.handle(event)
        elif event.get("type") in DESK_EVENT_TYPES:
            self.desk.on_event(event)  # an agent's phone (not in Stasis)

    def _start_call(self, event: dict[str, Any]) -> None:
        state = CallState.from_stasis_start(event)
        if state.channel_id in self.calls or self._tg is None:
            return
        route = ROUTES.get(state.args[0] if state.args else "")
        self.calls[state.channel_id] = state
        self._tg.create_task(self._run_call(route, state), name=f"call-{state.channel_id}")

    # ---- per-call task ----
    async def _run_call(self, route: Route | None, state: CallState) -> None:
        try:
            if route is None:
                logger.error("channel %s: no feature for Stasis args %s", state.channel_id, state.args)
                await self.give_back(state.channel_id)
            else:
                await route(self.ctx, state)
        except (CallerGone, AriNotFound, AriConflict):
            # 404 gone, 409 no longer in Stasis: the caller hung up during the flow
            logger.info("call %s: channel %s went away", state.uid, state.channel_id)
            await self._close_if_gone(state)
        except asyncio.CancelledError:
            await self.give_back(state.channel_id)
            raise
        except Exception:
            logger.exception(
                "call %s: handler failed; returning channel %s to the dialplan", state.uid, state.channel_id
            )
            await self.give_back(state.channel_id)
        finally:
            self.calls.pop(state.channel_id, None)

    async def _close_if_gone(self, state: CallState) -> None:
        """Close the call row of a caller who hung up before the dialplan's hang-up handler knew the call
        id (that handler closes it otherwise; closing twice keeps the first end time)."""
        if state.uid is None:
            return
        try:
            if await self.ari.get_channel(state.channel_id) is None:
                await self.ctx.store.ended(state.uid, None)
        except Exception:
            logger.exception("call %s: could not close the call row", state.uid)

    async def give_back(self, channel_id: str) -> None:
        """Return a channel to the dialplan's fail-open path (a human queue); hang up if even that fails."""
        state = self.calls.get(channel_id)
        if state is not None and state.queue:
            try:  # best effort: without it the call goes to the city queue
                await self.ari.set_var(channel_id, v.VAR_QUEUE, state.queue)
            except AriNotFound:  # the caller is gone: nothing to give back
                return
            except AriError as exc:
                logger.warning("channel %s: could not keep its queue %s (%s)", channel_id, state.queue, exc)
        try:
            await self.ari.continue_in_dialplan(channel_id, v.CTX_FAILOPEN, "s", 1)
        except (AriNotFound, AriConflict):
            # 404: the channel is gone; 409: it is no longer in Stasis (already in the dialplan),
            # so it is not stranded and hanging it up would drop a live caller.
            return
        except AriError as exc:
            logger.error("channel %s: continue failed (%s); hanging up", channel_id, exc)
            try:
                await self.ari.hangup(channel_id, "normal")
            except AriError:
                logger.exception("channel %s: hang-up failed too", channel_id)

    # ---- after every (re)connect ----
    async def on_connect(self) -> None:
        """Take back what we own: resync live calls, return orphans (left by a restart) to the dialplan."""
        # A call that enters Stasis while the listing is in flight is missing from it without being
        # gone: only calls known before the listing was asked for can be judged by it.
        known = set(self.calls)
        if self.keeper is not None:
            self.keeper.poke()  # an Asterisk restart shows as a reconnect: re-apply the agents' states
        self.desk.resubscribe()
        app = await self.ari.get_application()
        owned = set(app.get("channel_ids", []))
        for channel_id in owned:
            state = self.calls.get(channel_id)
            if state is None:
                logger.warning("channel %s: in Stasis with no task (restart?); returning it", channel_id)
                await self.give_back(channel_id)
            else:
                await self._resync(state)
        for channel_id in known - owned:
            state = self.calls.get(channel_id)
            if state is not None:
                state.gone.set()
        await self.write_status()

    async def _resync(self, state: CallState) -> None:
        """Events may have been lost while disconnected: ask Asterisk for what a waiter needs."""
        for playback_id, done in state.playbacks.items():
            if not done.is_set() and await self.ari.get_playback(playback_id) is None:
                done.set()
        if await self.ari.get_channel(state.channel_id) is None:
            state.gone.set()

    async def write_status(self) -> None:
        status = {
            "pid": os.getpid(),
            "connected": self.ari.connected.is_set(),
            "reconnects": self.ari.reconnects,
            "active_calls": len(self.calls),
            "updated": time.time(),
        }
        await asyncio.to_thread(_write_json, self.status_path, status)

    async def _watch_connection(self) -> None:
        last = None
        while True:
            now = self.ari.connected.is_set()
            if now != last:
                await self.write_status()
                last = now
            await asyncio.sleep(0.5)

    async def run(self) -> None:
        """Run until cancelled; on the way out every call still in Stasis goes back to the dialplan."""
        try:
            async with asyncio.TaskGroup() as tg:
                self._tg = tg
                tg.create_task(self.ari.run(), name="ari-client")
                tg.create_task(self._watch_connection(), name="status")
                if self.settings.desk_events:
                    tg.create_task(self.desk.follow(), name="desk-follow")
                    tg.create_task(self.desk.write(), name="desk-write")
                if self.keeper is not None:
                    tg.create_task(self.keeper.run(), name="acd-keeper")
        finally:
            self._tg = None
            await self.ari.close()
            await self.desk.notifier.close()
            self.database.dispose()
            _write_json(self.status_path, {"pid": os.getpid(), "connected": False, "stopped": time.time()})


def _write_json(path: Any, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")  # writers in two threads never share a temp file
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)
