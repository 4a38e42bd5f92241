"""ARI adapter of the desk: follows the agents' phones (endpoint subscriptions) and turns their
channels' state changes into ring / answer / end events.

The agents' channels are not in Stasis (app_queue and Dial make them); ari_app subscribes to each
agent's endpoint, so Asterisk sends their ChannelStateChange (Ringing on the phone's 180, Up on its
200) and ChannelDestroyed. The call id comes with the channel (ari.conf channelvars): the agent's
channel inherits it from the caller's. The read loop only queues; one task writes and wakes.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from ari_app.client import AriClient
from ari_app.desk.notifier import ConsoleNotifier
from ari_app.desk.services import ANSWER, END, RING, Ring, agent_endpoints, store
from ari_app.errors import AriError
from hotline import vocabulary as v
from hotline.db.session import Database

logger = logging.getLogger(__name__)

EVENT_TYPES = ["ChannelStateChange", "ChannelDestroyed"]
_KINDS = {"Ringing": RING, "Up": ANSWER}


def endpoint_of(channel_name: str) -> str | None:
    """`PJSIP/agent8001-0000002a` -> `agent8001`."""
    tech, _, rest = channel_name.partition("/")
    if tech != "PJSIP" or "-" not in rest:
        return None
    return rest.rsplit("-", 1)[0]


class DeskWatcher:
    """Subscribes to the agents' endpoints and records what rings there."""

    REFRESH = 30.0  # new agents are followed within this

    def __init__(self, ari: AriClient, database: Database, notifier: ConsoleNotifier) -> None:
        self.ari = ari
        self.database = database
        self.notifier = notifier
        self.agents: dict[str, int] = {}
        self.subscribed: set[str] = set()
        self.queue: asyncio.Queue[Ring] = asyncio.Queue()
        self._refresh = asyncio.Event()

    # ---- read loop side: synchronous ----
    def on_event(self, event: dict[str, Any]) -> bool:
        """Queue the event if it is an agent phone's; True when it was one."""
        channel = event.get("channel") or {}
        endpoint = endpoint_of(str(channel.get("name", "")))
        if endpoint is None or endpoint not in self.agents:
            return False
        kind = END if event.get("type") == "ChannelDestroyed" else _KINDS.get(str(channel.get("state")))
        if kind is None:
            return True
        uid = (channel.get("channelvars") or {}).get(v.VAR_CALL_ID) or None
        caller = channel.get("connected") or {}
        self.queue.put_nowait(
            Ring(endpoint, uid, kind, datetime.now(UTC), str(channel.get("id")),
                 {"caller": caller.get("number"), "name": caller.get("name")})
        )  # fmt: skip
        return True

    def resubscribe(self) -> None:
        """After a (re)connect: subscriptions are gone with the old WebSocket."""
        self.subscribed.clear()
        self._refresh.set()

    # ---- tasks ----
    async def follow(self) -> None:
        """Keep one subscription per agent endpoint (refreshed every REFRESH s and on reconnect)."""
        while True:
            self._refresh.clear()
            try:
                self.agents = await asyncio.to_thread(self._load_agents)
                for endpoint in sorted(set(self.agents) - self.subscribed):
                    await self.ari.subscribe(f"endpoint:PJSIP/{endpoint}")
                    self.subscribed.add(endpoint)
            except (AriError, OSError) as exc:
                logger.warning("desk: cannot follow the agents' phones yet (%s)", exc)
            except Exception:
                logger.exception("desk: following the agents' phones failed")
            try:
                async with asyncio.timeout(self.REFRESH):
                    await self._refresh.wait()
            except TimeoutError:
                pass

    async def write(self) -> None:
        """Store queued events in batches and wake the console."""
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            try:
                touched = await asyncio.to_thread(self._store, batch)
            except Exception:
                logger.exception("desk: %d events not stored", len(batch))
                continue
            if touched:
                await self.notifier.wake(touched)

    def _load_agents(self) -> dict[str, int]:
        with self.database.session() as session:
            return agent_endpoints(session)

    def _store(self, batch: list[Ring]) -> list[int]:
        with self.database.session() as session:
            return store(session, self.agents, batch)
