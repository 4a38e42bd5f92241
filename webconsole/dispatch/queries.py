"""The dispatcher's work list: service tickets to dispatch (again, after a refusal or a merchant that
gave up) or waiting for the merchant's answer, complaints to handle, suggestions to forward and answer;
most urgent first, then the earliest due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from hotline.db.service_models import Dispatch, Ticket
from hotline.tickets import workflow
from hotline.tickets.dispatching import GAVE_BACK
from hotline.tickets.timing import now_utc
from webconsole.tickets.present import URGENCY_RANK

# The statuses, by ticket type, in which a ticket waits for the dispatcher
WORK: dict[str, tuple[str, ...]] = {
    "service": ("new", "dispatched"),
    "complaint": ("new", "measure_accepted"),
    "suggestion": ("new", "forwarded"),
}
# What the dispatcher does on them; re-dispatch is the return-visit agents' finding, not a work item
NOT_WORK = frozenset({"comment", "cancel", "redispatch"})


def next_steps(ticket_type: str, status: str) -> list[str]:
    """The dispatcher's actions on a ticket of this type in this status (from the workflow table)."""
    return [
        action
        for action in workflow.actions_for(ticket_type, status)
        if action not in NOT_WORK and "dispatcher" in workflow.ACTION_ROLES[action]
    ]


@dataclass(frozen=True)
class WorkItem:
    """One line of the work list; `gave_back` merchants refused it or could not serve it before."""

    ticket: Ticket
    overdue: bool
    gave_back: int
    steps: list[str]


def _conditions(county_id: int | None, kind: str | None) -> list[ColumnElement[bool]]:
    waiting = [
        and_(Ticket.type == ticket_type, Ticket.status.in_(statuses))
        for ticket_type, statuses in WORK.items()
        if kind is None or ticket_type == kind
    ]
    conditions = [or_(*waiting)]
    if county_id is not None:
        conditions.append(Ticket.county_id == county_id)
    return conditions


def work_list(
    session: Session,
    *,
    now: datetime | None = None,
    county_id: int | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[WorkItem]:
    """The tickets waiting for the dispatcher, most urgent first, then earliest due, then oldest."""
    at = now_utc(now)
    rank = case(URGENCY_RANK, value=Ticket.urgency, else_=len(URGENCY_RANK))
    stmt = (
        select(Ticket)
        .where(*_conditions(county_id, kind))
        .order_by(rank, Ticket.due_at.asc().nulls_last(), Ticket.created_at, Ticket.id)
        .limit(limit)
        .offset(offset)
        .options(selectinload(Ticket.county), selectinload(Ticket.member), selectinload(Ticket.merchant))
    )
    tickets = list(session.scalars(stmt))
    gave_back: dict[int, int] = {}
    if tickets:
        counted = (
            select(Dispatch.ticket_id, func.count())
            .where(Dispatch.ticket_id.in_([t.id for t in tickets]), Dispatch.status.in_(GAVE_BACK))
            .group_by(Dispatch.ticket_id)
        )
        gave_back = {ticket_id: int(n) for ticket_id, n in session.execute(counted)}
    return [
        WorkItem(
            ticket,
            ticket.due_at is not None and ticket.due_at < at,
            gave_back.get(ticket.id, 0),
            next_steps(ticket.type, ticket.status),
        )
        for ticket in tickets
    ]


def work_counts(
    session: Session, *, now: datetime | None = None, county_id: int | None = None, kind: str | None = None
) -> tuple[int, int]:
    """(waiting, overdue) tickets of the work list."""
    at = now_utc(now)
    stmt = select(func.count(), func.count().filter(Ticket.due_at < at)).where(*_conditions(county_id, kind))
    waiting, overdue = session.execute(stmt).one()
    return int(waiting), int(overdue)
