"""Dispatch (派单): the merchants that can take a service ticket, best credit first, and the effects of
dispatching, the merchant's answer and re-dispatch. A merchant that refused a ticket, or took it and
could not serve it, is left out of its candidates (or flagged, on request) and needs an explicit
override to be dispatched it again."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db.models import Merchant
from hotline.db.service_models import Dispatch, Ticket
from hotline.tickets import merchants
from hotline.tickets.context import ActionContext
from hotline.tickets.errors import MerchantNotEligible, NoOpenDispatch, ValidationFailed
from hotline.tickets.merchants import Level, credit_level
from hotline.tickets.timing import CONTACT_CHECK_AFTER, FINAL_VISIT_AFTER
from hotline.tickets.visits import close_open_visits, complete_visit, open_visits, schedule_visit

logger = logging.getLogger(__name__)

GAVE_BACK = ("refused", "withdrawn")  # dispatch statuses of a merchant that did not serve the ticket


@dataclass(frozen=True)
class Candidate:
    """A merchant the dispatcher may pick; `refused` when it refused or gave back this ticket before."""

    merchant: Merchant
    level: Level
    refused: bool


def refused_merchant_ids(session: Session, ticket_id: int) -> set[int]:
    """Merchants that refused this ticket or took it and could not serve it."""
    stmt = select(Dispatch.merchant_id).where(Dispatch.ticket_id == ticket_id, Dispatch.status.in_(GAVE_BACK))
    return set(session.scalars(stmt))


def dispatch_candidates(
    session: Session, ticket: Ticket, *, include_refused: bool = False, limit: int = 50
) -> list[Candidate]:
    """Active merchants serving the ticket's category (its parents and children too) in its county,
    highest credit first; merchants that refused it are left out, or flagged and listed last."""
    refused = refused_merchant_ids(session, ticket.id)
    stmt = (
        select(Merchant)
        .where(
            *merchants.serving_conditions(
                session, category_code=ticket.category_code, county_id=ticket.county_id
            )
        )
        .order_by(Merchant.credit_points.desc(), Merchant.name)
    )
    if refused and not include_refused:
        stmt = stmt.where(Merchant.id.not_in(refused))
    found = [
        Candidate(m, credit_level(m.credit_points), m.id in refused)
        for m in session.scalars(stmt.limit(limit))
    ]
    return sorted(found, key=lambda c: c.refused)  # stable: credit order kept within each group


def current_dispatch(session: Session, ticket: Ticket, status: str) -> Dispatch | None:
    """The ticket's latest dispatch in `status` (offered, accepted)."""
    stmt = (
        select(Dispatch)
        .where(Dispatch.ticket_id == ticket.id, Dispatch.status == status)
        .order_by(Dispatch.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def dispatch(ctx: ActionContext) -> dict[str, object]:
    """Offer the ticket to a merchant (the dispatcher calls it to confirm: accept or refuse follows)."""
    merchant_id = ctx.integer("merchant_id", required=True)
    deadline, fee_cents = ctx.moment("deadline_at"), ctx.integer("fee_cents", lo=0, hi=100_000_000)
    call_id, override = ctx.integer("call_id"), ctx.boolean("allow_refused")
    ctx.validate()
    merchant = ctx.session.get(Merchant, merchant_id)
    if merchant is None:
        raise ValidationFailed({"merchant_id": f"there is no merchant {merchant_id}"})
    if merchant.contract_status != merchants.ACTIVE:
        raise MerchantNotEligible(merchant.name, f"its contract is {merchant.contract_status}")
    if not override and merchant.id in refused_merchant_ids(ctx.session, ctx.ticket.id):
        raise MerchantNotEligible(merchant.name, "it refused this ticket before (allow_refused overrides)")
    offer = Dispatch(
        ticket_id=ctx.ticket.id,
        merchant_id=merchant.id,
        status="offered",
        dispatched_at=ctx.now,
        dispatched_by_id=ctx.actor_id,
        deadline_at=deadline or ctx.ticket.due_at,
        fee_cents=fee_cents,
        note=ctx.note,
        call_id=call_id,
    )
    ctx.session.add(offer)
    ctx.session.flush()
    ctx.ticket.merchant_id = merchant.id
    return {"dispatch_id": offer.id, "merchant_id": merchant.id, "merchant": merchant.name}


def _offered(ctx: ActionContext) -> Dispatch:
    offer = current_dispatch(ctx.session, ctx.ticket, "offered")
    if offer is None:
        raise NoOpenDispatch(ctx.ticket.number, "offered")
    return offer


def accept(ctx: ActionContext) -> dict[str, object]:
    """The merchant confirms it can serve: the return visits fall due 10 minutes and 24 hours after
    the dispatch."""
    call_id = ctx.integer("call_id")
    ctx.validate()
    offer = _offered(ctx)
    offer.status, offer.answered_at = "accepted", ctx.now
    if call_id is not None:
        offer.call_id = call_id
    check = schedule_visit(
        ctx.session,
        ctx.ticket,
        "contact_check",
        offer.dispatched_at + CONTACT_CHECK_AFTER,
        dispatch_id=offer.id,
    )
    final = schedule_visit(
        ctx.session, ctx.ticket, "final", offer.dispatched_at + FINAL_VISIT_AFTER, dispatch_id=offer.id
    )
    return {"dispatch_id": offer.id, "merchant_id": offer.merchant_id, "visits": [check.id, final.id]}


def refuse(ctx: ActionContext) -> dict[str, object]:
    """The merchant cannot serve: the ticket goes back to the dispatch pool."""
    call_id = ctx.integer("call_id")
    ctx.validate()
    offer = _offered(ctx)
    offer.status, offer.answered_at = "refused", ctx.now
    if call_id is not None:
        offer.call_id = call_id
    ctx.ticket.merchant_id = None
    logger.info("ticket %s: merchant %s refused", ctx.ticket.number, offer.merchant_id)
    return {"dispatch_id": offer.id, "merchant_id": offer.merchant_id}


def redispatch(ctx: ActionContext) -> dict[str, object]:
    """The merchant did not contact the member and cannot serve (or gave up): its dispatch is withdrawn,
    its open visits cancelled, its credit lowered, and the ticket goes back to dispatch."""
    visit_id, call_id = ctx.integer("visit_id"), ctx.integer("call_id")
    ctx.validate()
    order = current_dispatch(ctx.session, ctx.ticket, "accepted")
    if order is None:
        raise NoOpenDispatch(ctx.ticket.number, "accepted")
    visit = None
    if visit_id is not None:  # from the work list: the contact check, or a final visit
        visit = complete_visit(ctx, None, "not_served", visit_id, call_id=call_id)
    elif open_visits(ctx.session, ctx.ticket.id, kind="contact_check"):
        visit = complete_visit(ctx, "contact_check", "not_served", None, call_id=call_id)
    cancelled = close_open_visits(ctx, "cancelled")
    order.status = "withdrawn"
    merchants.add_credit(
        ctx.session,
        order.merchant_id,
        merchants.NOT_SERVED_POINTS,
        "not_served",
        ticket_id=ctx.ticket.id,
        at=ctx.now,
    )
    ctx.ticket.merchant_id = None
    return {
        "dispatch_id": order.id,
        "merchant_id": order.merchant_id,
        "visit_id": None if visit is None else visit.id,
        "cancelled_visits": cancelled,
    }


def withdraw_open_dispatches(ctx: ActionContext) -> list[int]:
    """Withdraw the ticket's offered and accepted dispatches (the ticket is cancelled)."""
    stmt = select(Dispatch).where(
        Dispatch.ticket_id == ctx.ticket.id, Dispatch.status.in_(("offered", "accepted"))
    )
    withdrawn = []
    for order in ctx.session.scalars(stmt):
        order.status = "withdrawn"
        withdrawn.append(order.id)
    return withdrawn
