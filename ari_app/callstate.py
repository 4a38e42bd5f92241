"""One state object per call leg in Stasis: events in, waits out; no REST work happens here."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from hotline.ivr.ports import IvrHangup

logger = logging.getLogger(__name__)


class CallerGone(IvrHangup):
    """The channel hung up or left Stasis while the flow was waiting."""


@dataclass
class CallState:
    channel_id: str
    caller: str | None
    dialed: str | None
    linked_id: str | None
    args: list[str]
    uid: str | None = None
    queue: str | None = None  # the queue routing chose: a give-back to the dialplan goes there
    dialplan_uid: str | None = None  # the call id the dialplan chose (Stasis argument 3)
    gone: asyncio.Event = field(default_factory=asyncio.Event)
    playbacks: dict[str, asyncio.Event] = field(default_factory=dict)
    dtmf: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    # live recording name -> (done, "finished" | "failed")
    recordings: dict[str, asyncio.Event] = field(default_factory=dict)
    recording_results: dict[str, str] = field(default_factory=dict)
    digit_arrived: asyncio.Event = field(default_factory=asyncio.Event)
    # when the call entered Stasis and when its last key arrived (loop clock): the log's stage times
    started: float = field(default_factory=time.monotonic)
    last_digit_at: float | None = None
    _seq: int = 0

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
            dialplan_uid=args[2] if len(args) > 2 and args[2] else None,
        )

    def since_start(self) -> str:
        return f"{1000 * (time.monotonic() - self.started):.0f} ms after StasisStart"

    def since_last_key(self) -> str:
        if self.last_digit_at is None:
            return "no key pressed"
        return f"{1000 * (time.monotonic() - self.last_digit_at):.0f} ms after the last key"

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
        self.last_digit_at = time.monotonic()
        self.digit_arrived.set()

    def on_RecordingFinished(self, event: dict[str, Any]) -> None:
        self._recording_done(event, "finished")

    def on_RecordingFailed(self, event: dict[str, Any]) -> None:
        self._recording_done(event, "failed")

    def _recording_done(self, event: dict[str, Any], result: str) -> None:
        name = str(event.get("recording", {}).get("name", ""))
        done = self.recordings.get(name)
        if done is not None:
            self.recording_results[name] = result
            done.set()

    # ---- waits (called from the call's own task) ----
    def next_seq(self) -> int:
        """A per-call sequence number for deterministic ARI object ids (playbacks, recordings)."""
        self._seq += 1
        return self._seq

    def take_digit(self) -> str | None:
        """A digit pressed and not consumed yet, if any."""
        try:
            digit = self.dtmf.get_nowait()
        except asyncio.QueueEmpty:
            self.digit_arrived.clear()
            return None
        if self.dtmf.empty():
            self.digit_arrived.clear()
        return digit

    def expect_recording(self, name: str) -> asyncio.Event:
        done = asyncio.Event()
        self.recordings[name] = done
        return done

    def expect_playback(self, playback_id: str) -> asyncio.Event:
        done = asyncio.Event()
        self.playbacks[playback_id] = done
        return done

    async def wait(self, done: asyncio.Event, timeout: float, *also: asyncio.Event) -> bool:
        """Wait for `done` (or any of `also`); raise CallerGone if the channel goes first; False on
        timeout."""
        events = (done, *also)
        if self.gone.is_set():
            raise CallerGone(self.channel_id)
        if any(e.is_set() for e in events):
            return True
        waiters = {asyncio.create_task(e.wait()) for e in (*events, self.gone)}
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waiters:
                task.cancel()
        if any(e.is_set() for e in events):
            return True
        if self.gone.is_set():
            raise CallerGone(self.channel_id)
        return False
