"""The center's data as the IVR interpreter asks for it: routing, hours, tickets, left messages."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from ari_app.context import AppContext
from hotline.ivr.ports import IvrCall, Outcome, RecordedMessage
from hotline.routing.clock import center_now
from hotline.services import messages, tickets


class CenterServices:
    """`hotline.ivr.ports.IvrServices` for ari_app; database work runs in worker threads."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def now(self) -> datetime:
        """The center's clock in its own time zone (dates are spoken as local dates)."""
        return center_now(self.ctx.settings).astimezone(ZoneInfo(self.ctx.settings.timezone))

    async def resolve_queue(self, county: str | None, skill: str | None) -> Outcome:
        queue, overflow, wait = await self.ctx.router.resolve_queue(county, skill)
        return Outcome("queue", queue=queue, overflow_queue=overflow, overflow_wait=wait)

    async def is_open(self, county: str | None, at: datetime) -> tuple[bool, str]:
        return await self.ctx.router.is_open(county, at)

    async def county_menu(self) -> dict[str, str]:
        return await self.ctx.router.county_menu()

    async def ticket_status(self, number: str) -> tuple[str, str, datetime] | None:
        def work() -> tuple[str, str, datetime] | None:
            with self.ctx.store.database.session() as session:
                return tickets.ticket_status(session, number)

        return await asyncio.to_thread(work)

    async def save_message(self, call: IvrCall, message: RecordedMessage) -> None:
        queue, _, _ = await self.ctx.router.resolve_queue(call.county, None)

        def work() -> None:
            with self.ctx.store.database.session() as session:
                messages.save_message(session, call.uid, call.county, queue, message.path, message.duration_s)

        await asyncio.shield(asyncio.to_thread(work))  # kept even if ari_app is stopping
