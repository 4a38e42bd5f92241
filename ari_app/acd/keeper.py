"""Agent state survives restarts: app_queue's members are made to match the database.

The database holds each agent's state (hotline.acd); app_queue only mirrors it. The keeper
compares the two and fixes app_queue when ari_app starts, after every reconnect of the ARI
WebSocket (which is how an Asterisk restart shows) and every RESYNC seconds.

It opens a manager session only for the comparison: while any AMI session is connected Asterisk
turns every channel event into a manager event (its `stasis/m:manager:core` queue), which under
a burst of calls costs as much CPU as the calls themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.exc import SQLAlchemyError

from hotline.acd import agents as acd
from hotline.acd.agents import AgentView
from hotline.acd.queues import reconcile
from hotline.ami import AmiError, ami_session
from hotline.db.session import Database
from hotline.settings import Settings

logger = logging.getLogger(__name__)


class AcdKeeper:
    RESYNC = 30.0
    RETRY = 2.0  # after a failed comparison (Asterisk's manager not up yet)

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self._wake = asyncio.Event()

    def poke(self) -> None:
        """Compare now (ari_app connected or reconnected to Asterisk)."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            wait = self.RESYNC if await self.once() else self.RETRY
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()

    async def once(self) -> bool:
        """One comparison; False when Asterisk's manager could not be asked."""
        try:
            views = await asyncio.to_thread(self._views)
            async with ami_session(self.settings) as ami:
                fixes = await reconcile(ami, views)
        except (AmiError, SQLAlchemyError, OSError) as exc:
            # Asterisk's manager or the database is not reachable: calls go on, the comparison waits.
            logger.warning(
                "ACD: cannot compare app_queue with the agents' states (%s)", str(exc).split("\n")[0]
            )
            return False
        except Exception:  # a bug here must not take the call-handling tasks down with it
            logger.exception("ACD: comparing app_queue with the agents' states failed")
            return False
        if fixes:
            logger.warning("ACD: app_queue differed from the agents' states; fixed: %s", "; ".join(fixes))
        return True

    def _views(self) -> list[AgentView]:
        with self.database.session() as session:
            return acd.all_views(session, self.settings)
