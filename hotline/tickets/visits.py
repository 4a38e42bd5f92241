"""Return visits (回访): scheduling them, the work list of due and overdue ones, and the effects of the
actions that record their outcome (contact check, final rating, complaint measure, suggestion reply)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from hotline.db.service_models import Dispatch, ReturnVisit, Ticket
from hotline.tickets import merchants
from hotline.tickets.context import ActionContext
from hotline.tickets.errors import ValidationFailed
from hotline.tickets.timing import RECHECK_AFTER, VISIT_GRACE, is_overdue_visit, now_utc

logger = logging.getLogger(__name__)

# The actions that record the outcome of a visit, by ticket type and visit kind (the work list's buttons)
VISIT_ACTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("service", "contact_check"): ("confirm_contact", "recheck_contact", "redispatch"),
    ("service", "final"): ("final_visit", "redispatch"),
    ("complaint", "measure_check"): ("accept_measure", "reject_measure"),
    ("complaint", "final"): ("close_satisfied", "return_unsatisfied"),
    ("suggestion", "reply"): ("inform_suggester",),
}


def schedule_visit(
    session: Session, ticket: Ticket, kind: str, due: datetime, *, dispatch_id: int | None = None
) -> ReturnVisit:
    """Add an open return visit of `kind` falling due at `due`."""
    visit = ReturnVisit(ticket_id=ticket.id, dispatch_id=dispatch_id, kind=kind, due_at=due)
    session.add(visit)
    session.flush()
    logger.info("ticket %s: %s visit due %s", ticket.number, kind, due.isoformat())
    return visit


def open_visits(
    session: Session, ticket_id: int, *, kind: str | None = None, dispatch_id: int | None = None
) -> list[ReturnVisit]:
    """The ticket's visits not done yet, earliest due first."""
    stmt = select(ReturnVisit).where(ReturnVisit.ticket_id == ticket_id, ReturnVisit.done_at.is_(None))
    if kind is not None:
        stmt = stmt.where(ReturnVisit.kind == kind)
    if dispatch_id is not None:
        stmt = stmt.where(ReturnVisit.dispatch_id == dispatch_id)
    return list(session.scalars(stmt.order_by(ReturnVisit.due_at, ReturnVisit.id)))


def close_open_visits(ctx: ActionContext, outcome: str, *, dispatch_id: int | None = None) -> list[int]:
    """Mark the ticket's open visits (of one dispatch, or all) done with `outcome` (cancelled, skipped)."""
    closed = []
    for visit in open_visits(ctx.session, ctx.ticket.id, dispatch_id=dispatch_id):
        visit.done_at, visit.done_by_id, visit.outcome = ctx.now, ctx.actor_id, outcome
        closed.append(visit.id)
    return closed


def _the_visit(ctx: ActionContext, kind: str | None, visit_id: int | None) -> ReturnVisit:
    if visit_id is None:
        assert kind is not None, "a visit is found by its id or its kind"
        found = open_visits(ctx.session, ctx.ticket.id, kind=kind)
        if found:
            return found[0]
        # Done before it was scheduled (or on a ticket from before visits were kept): record it now
        return schedule_visit(ctx.session, ctx.ticket, kind, ctx.now, dispatch_id=_current_dispatch_id(ctx))
    visit = ctx.session.get(ReturnVisit, visit_id)
    wrong_kind = kind is not None and visit is not None and visit.kind != kind
    if visit is None or visit.ticket_id != ctx.ticket.id or wrong_kind or visit.done_at is not None:
        what = f"{kind} visit" if kind else "visit"
        raise ValidationFailed({"visit_id": f"is not an open {what} of ticket {ctx.ticket.number}"})
    return visit


def _current_dispatch_id(ctx: ActionContext) -> int | None:
    return ctx.session.scalar(
        select(Dispatch.id)
        .where(Dispatch.ticket_id == ctx.ticket.id, Dispatch.status == "accepted")
        .order_by(Dispatch.id.desc())
        .limit(1)
    )


def complete_visit(
    ctx: ActionContext,
    kind: str | None,
    outcome: str,
    visit_id: int | None,
    *,
    call_id: int | None = None,
    satisfaction: int | None = None,
    timely: bool | None = None,
    fee_paid: bool | None = None,
) -> ReturnVisit:
    """Record the outcome of visit `visit_id` (of `kind`, unless None), or of the ticket's earliest open
    visit of `kind` (one done before it was scheduled is added)."""
    visit = _the_visit(ctx, kind, visit_id)
    visit.done_at, visit.done_by_id, visit.outcome = ctx.now, ctx.actor_id, outcome
    visit.note, visit.call_id = ctx.note, call_id
    visit.satisfaction, visit.timely, visit.fee_paid = satisfaction, timely, fee_paid
    ctx.session.flush()
    return visit


def _simple(ctx: ActionContext, kind: str, outcome: str) -> dict[str, object]:
    visit_id, call_id = ctx.integer("visit_id"), ctx.integer("call_id")
    satisfaction = ctx.integer("satisfaction", lo=1, hi=5) if kind == "final" else None
    ctx.validate()
    visit = complete_visit(ctx, kind, outcome, visit_id, call_id=call_id, satisfaction=satisfaction)
    return {"visit_id": visit.id, "outcome": outcome} | (
        {"satisfaction": satisfaction} if satisfaction else {}
    )


def confirm_contact(ctx: ActionContext) -> dict[str, object]:
    """Contact check: the member says the merchant made contact (响应标记)."""
    return _simple(ctx, "contact_check", "contacted")


def recheck_contact(ctx: ActionContext) -> dict[str, object]:
    """Contact check: no contact yet, but the merchant will call; ask the member again later."""
    data = _simple(ctx, "contact_check", "retry")
    again = schedule_visit(
        ctx.session,
        ctx.ticket,
        "contact_check",
        ctx.now + RECHECK_AFTER,
        dispatch_id=_current_dispatch_id(ctx),
    )
    return data | {"next_visit_id": again.id, "next_due_at": again.due_at.isoformat()}


def final_visit(ctx: ActionContext) -> dict[str, object]:
    """Final visit of a service: satisfaction 1-5, timeliness, fee paid; credits the merchant."""
    visit_id, call_id = ctx.integer("visit_id"), ctx.integer("call_id")
    satisfaction = ctx.integer("satisfaction", required=True, lo=1, hi=5)
    timely, fee_paid = ctx.boolean("timely", required=True), ctx.boolean("fee_paid", required=True)
    fee_cents = ctx.integer("fee_cents", lo=0, hi=100_000_000)
    ctx.validate()
    assert satisfaction is not None
    visit = complete_visit(
        ctx,
        "final",
        "rated",
        visit_id,
        call_id=call_id,
        satisfaction=satisfaction,
        timely=timely,
        fee_paid=fee_paid,
    )
    skipped = close_open_visits(ctx, "skipped")  # a contact check nobody did is moot now
    dispatch_id = visit.dispatch_id or _current_dispatch_id(ctx)
    if fee_cents is not None and dispatch_id is not None:
        dispatch = ctx.session.get(Dispatch, dispatch_id)
        if dispatch is not None:
            dispatch.fee_cents = fee_cents
    credit = []
    if ctx.ticket.merchant_id is not None:
        credit = merchants.rate_service(
            ctx.session, ctx.ticket.merchant_id, ctx.ticket.id, satisfaction, timely, ctx.now
        )
    return {
        "visit_id": visit.id,
        "satisfaction": satisfaction,
        "timely": timely,
        "fee_paid": fee_paid,
        "fee_cents": fee_cents,
        "skipped_visits": skipped,
        "credit": sum(e.points for e in credit),
    }


def accept_measure(ctx: ActionContext) -> dict[str, object]:
    """Complaint, first visit: the member accepts the ordered measure."""
    return _simple(ctx, "measure_check", "accepted")


def reject_measure(ctx: ActionContext) -> dict[str, object]:
    """Complaint, first visit: the member does not accept the measure; back to the dispatcher."""
    return _simple(ctx, "measure_check", "rejected")


def close_satisfied(ctx: ActionContext) -> dict[str, object]:
    """Complaint, final visit: the member is satisfied."""
    return _simple(ctx, "final", "satisfied")


def return_unsatisfied(ctx: ActionContext) -> dict[str, object]:
    """Complaint, final visit: the member is not satisfied; back to the dispatcher."""
    return _simple(ctx, "final", "unsatisfied")


def inform_suggester(ctx: ActionContext) -> dict[str, object]:
    """Suggestion: the suggester was told the managers' answer."""
    return _simple(ctx, "reply", "informed")


@dataclass(frozen=True)
class VisitItem:
    """One line of the return-visit work list."""

    visit: ReturnVisit
    ticket: Ticket
    overdue: bool
    actions: tuple[str, ...]


def visit_worklist(
    session: Session,
    *,
    now: datetime | None = None,
    county_id: int | None = None,
    kind: str | None = None,
    ahead: timedelta = timedelta(0),
    limit: int = 100,
    offset: int = 0,
) -> list[VisitItem]:
    """Open visits due by now (+ `ahead`), earliest first, overdue ones flagged; of one county or kind."""
    at = now_utc(now)
    stmt = (
        select(ReturnVisit, Ticket)
        .join(Ticket, Ticket.id == ReturnVisit.ticket_id)
        .where(ReturnVisit.done_at.is_(None), ReturnVisit.due_at <= at + ahead)
        .order_by(ReturnVisit.due_at, ReturnVisit.id)
        .limit(min(max(limit, 1), 500))
        .offset(max(offset, 0))
        .options(selectinload(Ticket.member), selectinload(Ticket.merchant), selectinload(Ticket.county))
    )
    if county_id is not None:
        stmt = stmt.where(Ticket.county_id == county_id)
    if kind is not None:
        stmt = stmt.where(ReturnVisit.kind == kind)
    return [
        VisitItem(
            visit,
            ticket,
            is_overdue_visit(visit.due_at, at),
            VISIT_ACTIONS.get((ticket.type, visit.kind), ()),
        )
        for visit, ticket in session.execute(stmt)
    ]


def visit_counts(
    session: Session, *, now: datetime | None = None, county_id: int | None = None
) -> tuple[int, int]:
    """(due, overdue) open visits: the work list's badge."""
    at = now_utc(now)
    stmt = select(func.count(), func.count().filter(ReturnVisit.due_at < at - VISIT_GRACE)).where(
        ReturnVisit.done_at.is_(None), ReturnVisit.due_at <= at
    )
    if county_id is not None:
        stmt = stmt.join(Ticket, Ticket.id == ReturnVisit.ticket_id).where(Ticket.county_id == county_id)
    due, overdue = session.execute(stmt).one()
    return int(due), int(overdue)
