"""Wakes the console's desk streams when desk events are stored (they also poll, so a lost wake
only delays a pop by the console's poll interval)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import httpx

from hotline.secrets import SecretStore
from hotline.settings import Settings

logger = logging.getLogger(__name__)

NOTIFY_PATH = "desk/_notify"
TOKEN_HEADER = "X-Hotline-Desk-Token"


def desk_token(settings: Settings) -> str:
    """The shared secret ari_app shows the console's notify endpoint."""
    return SecretStore.for_home(settings.home).get("desk_notify_token", 24)


class ConsoleNotifier:
    def __init__(self, settings: Settings) -> None:
        self.url = f"{settings.console_url}{NOTIFY_PATH}"
        self.headers = {TOKEN_HEADER: desk_token(settings)}
        self.client = httpx.AsyncClient(timeout=1.0)

    async def wake(self, agent_ids: Sequence[int]) -> None:
        """Tell the console which agents have new desk events; never raises."""
        try:
            await self.client.post(self.url, json={"agents": sorted(set(agent_ids))}, headers=self.headers)
        except httpx.HTTPError as exc:
            logger.debug("desk: console not woken (%s); it will poll", exc)

    async def close(self) -> None:
        await self.client.aclose()
