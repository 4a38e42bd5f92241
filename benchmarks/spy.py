"""A watch-only ARI app for benchmarks: sees every channel (subscribeAll) and times, from Asterisk's
own event timestamps, a key press to the prompt it leads to, and the channels entering Queue()."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import ClientConnection, connect

from ari_app.urls import ari_root
from hotline.secrets import SecretStore
from hotline.settings import Settings

logger = logging.getLogger(__name__)

SPY_APP = "hotline-bench-spy"
SPY_EVENTS = ("ChannelDtmfReceived", "PlaybackStarted", "ChannelDialplan")
PROMPT_APPS = ("background", "playback")
ANSWER_PROMPT = "hotline/family_menu"  # what the first key (1, type-ahead for the main menu) leads to


@dataclass
class SpyTally:
    """What the spy saw since the last take(): key-to-prompt latencies, Queue() entries per queue."""

    latencies_ms: list[float] = field(default_factory=list)
    queued: dict[str, int] = field(default_factory=dict)


class PromptSpy:
    """A second ARI app with subscribeAll=true that only watches: per channel, the time from a key
    (ChannelDtmfReceived, sent when the key ends) to the start of the prompt that key leads to,
    ANSWER_PROMPT; also the channels entering Queue(), per queue.

    Prompt start: PlaybackStarted of that sound on the channel (ari_app) or ChannelDialplan entering
    BackGround/Playback of it (dialplan). Asterisk publishes both just before it opens the file, and
    the times used are Asterisk's own event timestamps (ms), so the spy's reading delay does not
    count. Not "any next prompt": under load ari_app may start the language prompt after the caller
    has already pressed 1, and that is no answer to the key. The first unanswered key of a channel
    counts (a second key before the prompt does not restart the clock); the last key, before the
    queue, gives no sample. An event filter keeps every other event type off the spy's WebSocket.
    """

    def __init__(self, settings: Settings) -> None:
        self.auth = (settings.ari_app, SecretStore.for_home(settings.home).ari_password())
        self.root = ari_root(settings.ari_url)
        self.untimed = 0  # events without a timestamp (the arrival time is used)
        self.closed_early: str | None = None
        self._lock = threading.Lock()
        self._pending: dict[str, float] = {}
        self._tally = SpyTally()
        self._ws: ClientConnection | None = None
        self._thread = threading.Thread(target=self._read, name="spy", daemon=True)

    def __enter__(self) -> PromptSpy:
        parts = urlsplit(self.root)
        query = urlencode({"app": SPY_APP, "subscribeAll": "true"})
        url = urlunsplit(("ws", parts.netloc, parts.path + "/events", query, ""))
        token = base64.b64encode(":".join(self.auth).encode()).decode("ascii")
        self._ws = connect(url, additional_headers={"Authorization": f"Basic {token}"}, max_size=2**24)
        body = {"allowed": [{"type": t} for t in SPY_EVENTS]}
        path = f"{self.root}/applications/{SPY_APP}/eventFilter"
        httpx.put(path, json=body, auth=self.auth, timeout=10, trust_env=False).raise_for_status()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._ws is not None:
            self._ws.close()
        self._thread.join(10)

    def take(self) -> SpyTally:
        """The tally since the last take; keys still waiting for a prompt are dropped."""
        with self._lock:
            tally, self._tally = self._tally, SpyTally()
            self._pending.clear()
        return tally

    def _read(self) -> None:
        assert self._ws is not None
        try:
            for raw in self._ws:
                self.on_event(json.loads(raw))
        except ConnectionClosedError as exc:  # a clean close is ours (__exit__)
            self.closed_early = str(exc)
            logger.error("spy: the event WebSocket closed during the run: %s", exc)

    def _time(self, event: dict[str, Any]) -> float:
        try:
            return datetime.fromisoformat(str(event["timestamp"])).timestamp()
        except (KeyError, ValueError):
            self.untimed += 1
            return time.time()

    def on_event(self, event: dict[str, Any]) -> None:
        kind, channel = event.get("type"), event.get("channel", {}).get("id", "")
        if kind == "ChannelDtmfReceived":
            with self._lock:
                self._pending.setdefault(channel, self._time(event))
        elif kind == "PlaybackStarted":
            playback = event.get("playback", {})
            target = str(playback.get("target_uri", ""))
            if target.startswith("channel:") and playback.get("media_uri") == f"sound:{ANSWER_PROMPT}":
                self._prompt(target.removeprefix("channel:"), self._time(event))
        elif kind == "ChannelDialplan":
            app, data = str(event.get("dialplan_app", "")).lower(), str(event.get("dialplan_app_data", ""))
            if app in PROMPT_APPS and data.split(",")[0] == ANSWER_PROMPT:
                self._prompt(channel, self._time(event))
            elif app == "queue":
                queue = data.split(",")[0]
                with self._lock:
                    self._tally.queued[queue] = self._tally.queued.get(queue, 0) + 1

    def _prompt(self, channel: str, at: float) -> None:
        with self._lock:
            pressed = self._pending.pop(channel, None)
            if pressed is not None:
                self._tally.latencies_ms.append(1000 * (at - pressed))


# ---- steps ------------------------------------------------------------------------------------
