"""Finding tickets: by number, member phone, status, type, county, merchant, urgency and creation date,
newest first, a page at a time. Every filter is an equality, an IN or a range on an indexed column
(tickets has indexes on number, status+type, county, member, merchant, created_at): no LIKE, so it
stays fast over millions of tickets. A phone is normalised and looked up in members first."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from hotline.db.models import Member
from hotline.db.service_models import Ticket, TicketEvent
from hotline.routing.numbers import normalise
from hotline.tickets import workflow
from hotline.tickets.errors import ValidationFailed
from hotline.tickets.numbering import parse_number
from hotline.tickets.timing import URGENCIES, day_start, now_utc

T = TypeVar("T")
MAX_PER_PAGE = 200
_DAY = re.compile(r"^[0-9]{8}$")


@dataclass(frozen=True)
class TicketQuery:
    """Search filters; empty ones are not applied. Dates are the center's local days, inclusive."""

    number: str | None = None  # a ticket number as typed, or a day (yyyymmdd) for all of that day's
    phone: str | None = None  # the member's phone, any spelling
    statuses: tuple[str, ...] = ()
    type: str | None = None
    urgency: str | None = None
    county_id: int | None = None
    merchant_id: int | None = None
    member_id: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    open_only: bool = False
    overdue: bool = False  # open and past its due date


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results; `total` only when asked for (counting millions of rows costs)."""

    items: list[T]
    page: int
    per_page: int
    has_next: bool
    total: int | None = field(default=None)

    @property
    def pages(self) -> int | None:
        """How many pages there are, when the total was counted."""
        return None if self.total is None else max(1, -(-self.total // self.per_page))


def _check(query: TicketQuery) -> None:
    errors = {}
    if query.type is not None and query.type not in workflow.TYPES:
        errors["type"] = f"must be one of {', '.join(workflow.TYPES)}"
    if unknown := [s for s in query.statuses if s not in workflow.ALL_STATUSES]:
        errors["statuses"] = f"unknown status {', '.join(unknown)}"
    if query.urgency is not None and query.urgency not in URGENCIES:
        errors["urgency"] = f"must be one of {', '.join(URGENCIES)}"
    if errors:
        raise ValidationFailed(errors)


def _number_conditions(query: TicketQuery, tz: str | None) -> list[ColumnElement[bool]] | None:
    text = (query.number or "").strip()
    if not text:
        return []
    if _DAY.match(text):
        try:
            day = date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return None
        return [
            Ticket.created_at >= day_start(day, tz),
            Ticket.created_at < day_start(day + timedelta(days=1), tz),
        ]
    number = parse_number(text)
    return None if number is None else [Ticket.number == number]


def ticket_conditions(
    session: Session, query: TicketQuery, *, now: datetime | None = None, tz: str | None = None
) -> list[ColumnElement[bool]] | None:
    """The WHERE conditions of a query; None when nothing can match (an unknown phone, a bad number)."""
    _check(query)
    conditions = _number_conditions(query, tz)
    if conditions is None:
        return None
    if query.phone:
        national = normalise(query.phone).national
        member_id = national and session.scalar(select(Member.id).where(Member.phone == national))
        if not member_id:
            return None
        conditions.append(Ticket.member_id == member_id)
    statuses = set(query.statuses or workflow.ALL_STATUSES)
    if query.open_only or query.overdue:
        statuses &= set(workflow.OPEN_STATUSES)
    if query.statuses or query.open_only or query.overdue:
        conditions.append(Ticket.status.in_(sorted(statuses)))
    for column, value in (
        (Ticket.type, query.type),
        (Ticket.urgency, query.urgency),
        (Ticket.county_id, query.county_id),
        (Ticket.merchant_id, query.merchant_id),
        (Ticket.member_id, query.member_id),
    ):
        if value is not None:
            conditions.append(column == value)
    if query.created_from is not None:
        conditions.append(Ticket.created_at >= day_start(query.created_from, tz))
    if query.created_to is not None:
        conditions.append(Ticket.created_at < day_start(query.created_to + timedelta(days=1), tz))
    if query.overdue:
        conditions.append(Ticket.due_at < now_utc(now))
    return conditions


def search_tickets(
    session: Session,
    query: TicketQuery,
    *,
    page: int = 1,
    per_page: int = 25,
    with_total: bool = False,
    now: datetime | None = None,
    tz: str | None = None,
) -> Page[Ticket]:
    """One page of the tickets matching `query`, newest first, with their county, member and merchant."""
    page, per_page = max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)
    conditions = ticket_conditions(session, query, now=now, tz=tz)
    if conditions is None:
        return Page([], page, per_page, False, 0 if with_total else None)
    stmt = (
        select(Ticket)
        .where(*conditions)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
        .options(selectinload(Ticket.county), selectinload(Ticket.member), selectinload(Ticket.merchant))
    )
    rows = list(session.scalars(stmt))
    total = None
    if with_total:
        total = session.scalar(select(func.count()).select_from(Ticket).where(*conditions))
    return Page(rows[:per_page], page, per_page, len(rows) > per_page, total)


def timeline(session: Session, ticket_id: int) -> list[TicketEvent]:
    """A ticket's timeline, oldest first."""
    stmt = (
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.at, TicketEvent.id)
    )
    return list(session.scalars(stmt))
