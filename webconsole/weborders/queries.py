"""What the web-order page shows: the pending orders, oldest first, as plain rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db.models import County
from hotline.tickets import pending_web_orders
from webconsole.members.queries import local_time
from webconsole.merchants.display import category_names, local_name

PER_PAGE = 50


def order_reference(order_id: int) -> str:
    """The reference a citizen is given and an agent sees: W000123."""
    return f"W{order_id:06d}"


@dataclass(frozen=True)
class OrderRow:
    """A pending web order as its card shows it."""

    id: int
    reference: str
    created: str
    waiting_min: int
    name: str
    phone: str
    county: str
    category_code: str
    category: str
    address: str
    description: str


def pending_orders(
    session: Session, tz: tzinfo, now: datetime, *, county_id: int | None = None, page: int = 1
) -> tuple[list[OrderRow], bool]:
    """(the page's pending orders, oldest first; whether there is a next page)."""
    orders = pending_web_orders(
        session, county_id=county_id, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE
    )
    names = category_names(session)
    counties = {c.id: c for c in session.scalars(select(County))}  # a city has a few dozen
    rows = []
    for order in orders[:PER_PAGE]:
        code = order.category_code or ""
        rows.append(
            OrderRow(
                id=order.id,
                reference=order_reference(order.id),
                created=local_time(order.created_at, tz),
                waiting_min=max(0, int((now - order.created_at).total_seconds() // 60)),
                name=order.name,
                phone=order.phone,
                county=local_name(counties.get(order.county_id or 0)),
                category_code=code,
                category=names.get(code, code),
                address=order.address or "",
                description=order.description,
            )
        )
    return rows, len(orders) > PER_PAGE
