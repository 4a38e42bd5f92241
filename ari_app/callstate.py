"""One state object per call leg in Stasis: events in, waits out; no REST work happens here."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)


class CallerGone(Exception):
    """The channel hung up or left Stasis while the flow was waiting."""


@dataclass
class CallState:
    channel_id: str
    caller: str | None
    dialed: str | None
    linked_id: str | None
    args: list[str]
    uid: str | None = None
    gone: asyncio.Event = field(default_factory=asyncio.Event)
    playbacks: dict[str, asyncio.Event] = field(default_factory=dict)
    dtmf: asyncio.Queue[str] = field(default_factory=asyncio.Queue)

    @classmethod
    def from_stasis_start(cls, event: dict[str, Any]) -> CallState:
        channel = event["channel"]
        # Stasis(<app>,<feature>,<dialed number>): the dialplan passes the number the caller dialed
        args = [str(a) for a in event.get("args") or []]
        return cls(
            channel_id=channel["id"],
            caller=(channel.get("caller") or {}).get("number"),
            dialed=args[1] if len(args) > 1 else None,
            linked_id=channel.get("linkedid") or channel.get("id"),
            args=args,
        )

    # ---- events (called from the read loop: must not block) ----
    def handle(self, event: dict[str, Any]) -> None:
        handler = getattr(self, f"on_{event.get('type')}", None)
        if handler is not None:
            handler(event)

    def on_StasisEnd(self, event: dict[str, Any]) -> None:
        self.gone.set()

    def on_ChannelDestroyed(self, event: dict[str, Any]) -> None:
        self.gone.set()

    def on_ChannelHangupRequest(self, event: dict[str, Any]) -> None:
        self.gone.set()

    def on_PlaybackFinished(self, event: dict[str, Any]) -> None:
        done = self.playbacks.get(event.get("playback", {}).get("id", ""))
        if done is not None:
            done.set()

    def on_ChannelDtmfReceived(self, event: dict[str, Any]) -> None:
        self.dtmf.put_nowait(str(event.get("digit", "")))

    # ---- waits (called from the call's own task) ----
    def expect_playback(self, playback_id: str) -> asyncio.Event:
        done = asyncio.Event()
        self.playbacks[playback_id] = done
        return done

    async def wait(self, done: asyncio.Event, timeout: float) -> bool:
        """Wait for `done`; raise CallerGone if the channel goes first; False on timeout."""
        if self.gone.is_set():
            raise CallerGone(self.channel_id)
        waiters = {asyncio.create_task(done.wait()), asyncio.create_task(self.gone.wait())}
        try:
            finished, _ = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waiters:
                task.cancel()
        if done.is_set():
            return True
        if self.gone.is_set():
            raise CallerGone(self.channel_id)
        return False
