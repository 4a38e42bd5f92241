"""Web orders: the public form's order waits, pending, until an intake agent calls the member back to
check the need is real; verified, it becomes the member's service ticket (source "web"); rejected, the
reason is kept in the audit log (web_orders has no column for it)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.db.console_models import AuditEntry, User
from hotline.db.models import County, ServiceCategory
from hotline.db.service_models import Ticket, WebOrder
from hotline.tickets import workflow
from hotline.tickets.context import clean_text
from hotline.tickets.errors import NotAllowed, NotFound, ValidationFailed, WebOrderClosed
from hotline.tickets.members import get_or_create_member, member_phone
from hotline.tickets.opening import TicketDraft, open_ticket
from hotline.tickets.timing import URGENCIES, now_utc

logger = logging.getLogger(__name__)

DESCRIPTION_MIN, DESCRIPTION_MAX = 5, 2000
VERIFY_ROLES = frozenset({"intake", "supervisor", "admin"})
REJECT_ACTION = "web_order.reject"


def _validate(
    session: Session,
    name: str,
    phone: str,
    description: str,
    county_id: int | None,
    category_code: str | None,
) -> tuple[dict[str, str], str | None]:
    errors: dict[str, str] = {}
    national = None
    try:
        national = member_phone(phone)
    except ValidationFailed as bad:
        errors.update(bad.errors)
    clean_text(name, "name", errors, required=True, max_len=64)
    text = clean_text(description, "description", errors, required=True, max_len=DESCRIPTION_MAX)
    if text is not None and len(text) < DESCRIPTION_MIN:
        errors["description"] = f"says too little: at least {DESCRIPTION_MIN} characters"
    if county_id is not None and session.get(County, county_id) is None:
        errors["county_id"] = f"there is no county {county_id}"
    if (
        category_code
        and session.scalar(select(ServiceCategory.id).where(ServiceCategory.code == category_code)) is None
    ):
        errors["category_code"] = f"there is no service category {category_code}"
    return errors, national


def create_web_order(
    session: Session,
    *,
    name: str,
    phone: str,
    description: str,
    county_id: int | None = None,
    category_code: str | None = None,
    address: str | None = None,
    remote_addr: str | None = None,
    now: datetime | None = None,
) -> WebOrder:
    """Take an order from the public web form; ValidationFailed lists every wrong field."""
    errors, national = _validate(session, name, phone, description, county_id, category_code)
    clean_address = clean_text(address, "address", errors, required=False, max_len=255)
    if errors or national is None:
        raise ValidationFailed(errors)
    order = WebOrder(
        created_at=now_utc(now),
        name=name.strip(),
        phone=national,
        county_id=county_id,
        category_code=category_code or None,
        address=clean_address,
        description=description.strip(),
        status="pending",
        remote_addr=(remote_addr or None) and remote_addr[:64],
    )
    session.add(order)
    session.flush()
    logger.info("web order %s: received from %s", order.id, national)
    return order


def pending_web_orders(
    session: Session, *, county_id: int | None = None, limit: int = 50, offset: int = 0
) -> list[WebOrder]:
    """Orders waiting for verification, oldest first."""
    stmt = select(WebOrder).where(WebOrder.status == "pending")
    if county_id is not None:
        stmt = stmt.where(WebOrder.county_id == county_id)
    stmt = (
        stmt.order_by(WebOrder.created_at, WebOrder.id).limit(min(max(limit, 1), 500)).offset(max(offset, 0))
    )
    return list(session.scalars(stmt))


def _claim(session: Session, order_id: int, status: str, actor: User | None, at: datetime) -> WebOrder:
    """Move a pending order to `status` in one conditional UPDATE: two agents cannot both handle it."""
    if not VERIFY_ROLES & workflow.roles_of(actor):
        verb = "verify" if status == "verified" else "reject"
        raise NotAllowed(workflow.actor_name(actor), f"{verb} web orders", sorted(VERIFY_ROLES))
    order = session.get(WebOrder, order_id)
    if order is None:
        raise NotFound("web_order", order_id)
    claimed = session.execute(
        update(WebOrder)
        .where(WebOrder.id == order_id, WebOrder.status == "pending")
        .values(status=status, verified_by_id=None if actor is None else actor.id, verified_at=at)
        .returning(WebOrder.id)
    ).scalar()
    session.refresh(order)
    if claimed is None:
        raise WebOrderClosed(order_id, order.status)
    return order


def verify_web_order(
    session: Session,
    order_id: int,
    actor: User | None,
    *,
    summary: str | None = None,
    urgency: str = "normal",
    call_id: int | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """The member confirmed the need on the phone: the member is found or created, and a service
    ticket (source web) is opened; `summary` may restate the need, `call_id` is the call-back."""
    if urgency not in URGENCIES:
        raise ValidationFailed({"urgency": f"must be one of {', '.join(URGENCIES)}"})
    at = now_utc(now)
    order = _claim(session, order_id, "verified", actor, at)
    member, _ = get_or_create_member(
        session, order.phone, name=order.name, county_id=order.county_id, address=order.address, source="web"
    )
    draft = TicketDraft(
        type="service",
        summary=summary or order.description,
        urgency=urgency,
        county_id=order.county_id or member.county_id,
        member_id=member.id,
        category_code=order.category_code,
        call_id=call_id,
        source="web",
        contact_name=order.name,
        contact_phone=order.phone,
        address=order.address or member.address,
    )
    ticket = open_ticket(
        session,
        draft,
        actor,
        note=note or "网站订单，已电话回访核实",
        now=at,
        data={"web_order_id": order.id},
    )
    order.member_id, order.ticket_id = member.id, ticket.id
    session.flush()
    logger.info("web order %s: verified, ticket %s", order.id, ticket.number)
    return ticket


def reject_web_order(
    session: Session,
    order_id: int,
    actor: User | None,
    reason: str,
    *,
    remote_addr: str | None = None,
    now: datetime | None = None,
) -> WebOrder:
    """The order is not real (or not the center's business): rejected, the reason in the audit log."""
    errors: dict[str, str] = {}
    text = clean_text(reason, "reason", errors, required=True, max_len=1000)
    if errors:
        raise ValidationFailed(errors)
    at = now_utc(now)
    order = _claim(session, order_id, "rejected", actor, at)
    session.add(
        AuditEntry(
            at=at,
            user_id=None if actor is None else actor.id,
            action=REJECT_ACTION,
            object_type="web_order",
            object_id=str(order.id),
            remote_addr=remote_addr,
            detail={"reason": text},
        )
    )
    session.flush()
    logger.info("web order %s: rejected by %s", order.id, workflow.actor_name(actor))
    return order


def rejection_reason(session: Session, order_id: int) -> str | None:
    """Why a web order was rejected (from the audit log), or None."""
    detail = session.scalar(
        select(AuditEntry.detail)
        .where(AuditEntry.action == REJECT_ACTION, AuditEntry.object_type == "web_order")
        .where(AuditEntry.object_id == str(order_id))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    reason = (detail or {}).get("reason")
    return reason if isinstance(reason, str) else None
