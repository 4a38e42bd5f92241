"""Agent state survives restarts: app_queue's members are made to match the database.

The database holds each agent's state (hotline.acd); app_queue only mirrors it. After every login
to Asterisk's manager (the first, and each one after a lost connection or an Asterisk restart)
and every RESYNC seconds, the keeper compares the two and fixes app_queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from hotline.acd import agents as acd
from hotline.acd.agents import AgentView
from hotline.acd.queues import reconcile
from hotline.ami import Ami, AmiError, ami_session
from hotline.db.session import Database
from hotline.settings import Settings

logger = logging.getLogger(__name__)


class AcdKeeper:
    RESYNC = 30.0
    BACKOFF = (1.0, 30.0)

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self.reconciles = 0
        self._wake = asyncio.Event()

    def poke(self) -> None:
        """Reconcile now (after a login to the manager, or when told a state changed)."""
        self._wake.set()

    async def run(self) -> None:
        low, high = self.BACKOFF
        delay = low
        while True:
            try:
                async with ami_session(self.settings, on_login=self.poke) as ami:
                    delay = low
                    await self._keep(ami)
            except AmiError as exc:
                logger.warning("ACD: %s; trying again in %.0f s", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, high)

    async def _keep(self, ami: Ami) -> None:
        while True:
            self._wake.clear()
            views = await asyncio.to_thread(self._views)
            fixes = await reconcile(ami, views)
            self.reconciles += 1
            if fixes:
                logger.warning("ACD: app_queue differed from the agents' states; fixed: %s", "; ".join(fixes))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.RESYNC):
                    await self._wake.wait()

    def _views(self) -> list[AgentView]:
        with self.database.session() as session:
            return acd.all_views(session, self.settings)
