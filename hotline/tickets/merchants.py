"""Merchant credit (行业信用平台): points from return-visit ratings, upheld complaints and timeliness,
kept as credit_events and summed on merchants.credit_points; levels shown as hearts then diamonds
(like Taobao's); the public ranking, best first; which merchants serve a category in a county."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, false, func, select, update
from sqlalchemy.orm import Session, selectinload

from hotline.db.models import County, Merchant, ServiceCategory, merchant_categories, merchant_counties
from hotline.db.service_models import CreditEvent, MerchantStaff
from hotline.tickets.errors import NotFound
from hotline.tickets.labels import LEVEL_KIND_LABELS, pick

logger = logging.getLogger(__name__)

ACTIVE = "active"
RATING_POINTS = {5: 2, 4: 1, 3: 0, 2: -1, 1: -3}  # satisfaction (stars) of the final return visit
TIMELY_POINTS, LATE_POINTS = 1, -1
COMPLAINT_UPHELD_POINTS = -5
NOT_SERVED_POINTS = -2  # accepted an order, then neither contacted the member nor could serve

# (minimum points, kind, count), best first; below the last one a merchant has no level yet
LEVELS: tuple[tuple[int, str, int], ...] = (
    (5001, "diamond", 5),
    (2001, "diamond", 4),
    (1001, "diamond", 3),
    (501, "diamond", 2),
    (251, "diamond", 1),
    (151, "heart", 5),
    (91, "heart", 4),
    (41, "heart", 3),
    (11, "heart", 2),
    (4, "heart", 1),
)
_SYMBOLS = {"heart": "♥", "diamond": "◆", "none": ""}


@dataclass(frozen=True)
class Level:
    """A credit level: `count` hearts or diamonds (kind "none", count 0 below the first heart)."""

    kind: str
    count: int

    @property
    def symbols(self) -> str:
        """The level drawn as text: ♥♥♥ or ◆◆."""
        return _SYMBOLS[self.kind] * self.count

    def label(self, lang: str = "zh") -> str:
        """ "3 红心" / "3 Heart"; the no-level label below one heart."""
        name = pick(LEVEL_KIND_LABELS, self.kind, lang)
        return name if self.kind == "none" else f"{self.count} {name}"


def credit_level(points: int) -> Level:
    """The level of a number of credit points."""
    for minimum, kind, count in LEVELS:
        if points >= minimum:
            return Level(kind, count)
    return Level("none", 0)


@dataclass(frozen=True)
class RankedMerchant:
    """A merchant with its place in a ranking and its level."""

    rank: int
    merchant: Merchant
    level: Level


def add_credit(
    session: Session,
    merchant_id: int,
    points: int,
    reason: str,
    *,
    ticket_id: int | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> CreditEvent | None:
    """Record a credit change and add it to the merchant's points (one UPDATE, safe against
    concurrent changes); nothing is recorded for 0 points."""
    if points == 0:
        return None
    event = CreditEvent(merchant_id=merchant_id, points=points, reason=reason, ticket_id=ticket_id, note=note)
    if at is not None:
        event.at = at
    session.add(event)
    session.execute(
        update(Merchant)
        .where(Merchant.id == merchant_id)
        .values(credit_points=Merchant.credit_points + points)
    )
    logger.info("merchant %s: %+d credit points (%s, ticket %s)", merchant_id, points, reason, ticket_id)
    return event


def rate_service(
    session: Session, merchant_id: int, ticket_id: int, satisfaction: int, timely: bool | None, at: datetime
) -> list[CreditEvent]:
    """The credit a final return visit gives: points for the stars, and for timeliness when known."""
    events = [
        add_credit(session, merchant_id, RATING_POINTS[satisfaction], "rating", ticket_id=ticket_id, at=at)
    ]
    if timely is not None:
        reason, points = ("timely", TIMELY_POINTS) if timely else ("late", LATE_POINTS)
        events.append(add_credit(session, merchant_id, points, reason, ticket_id=ticket_id, at=at))
    return [e for e in events if e is not None]


def recompute_credit(session: Session, merchant_id: int) -> int:
    """Set a merchant's points to the sum of its credit events (repairs a hand-edited balance)."""
    total = session.scalar(
        select(func.coalesce(func.sum(CreditEvent.points), 0)).where(CreditEvent.merchant_id == merchant_id)
    )
    session.execute(update(Merchant).where(Merchant.id == merchant_id).values(credit_points=total))
    return int(total or 0)


def serving_category_ids(session: Session, code: str) -> list[int]:
    """The category `code`, its ancestors (a merchant of "family" serves "family.nanny") and its
    descendants (a "family" need may go to a nanny company); empty for an unknown code."""
    rows = session.execute(select(ServiceCategory.id, ServiceCategory.code, ServiceCategory.parent_id)).all()
    by_id = {row.id: row for row in rows}
    start = next((row for row in rows if row.code == code), None)
    if start is None:
        return []
    found = {start.id}
    parent = start.parent_id
    while parent is not None and parent not in found:
        found.add(parent)
        parent = by_id[parent].parent_id
    frontier = {start.id}
    while frontier:
        frontier = {row.id for row in rows if row.parent_id in frontier and row.id not in found}
        found |= frontier
    return sorted(found)


def serving_conditions(
    session: Session, *, category_code: str | None, county_id: int | None
) -> list[ColumnElement[bool]]:
    """WHERE conditions for active merchants serving a category (with its lineage) in a county."""
    conditions: list[ColumnElement[bool]] = [Merchant.contract_status == ACTIVE]
    if category_code:
        ids = serving_category_ids(session, category_code)
        served = select(merchant_categories.c.merchant_id).where(merchant_categories.c.category_id.in_(ids))
        conditions.append(Merchant.id.in_(served) if ids else false())
    if county_id is not None:
        conditions.append(
            Merchant.id.in_(
                select(merchant_counties.c.merchant_id).where(merchant_counties.c.county_id == county_id)
            )
        )
    return conditions


def merchant_ranking(
    session: Session,
    *,
    category_code: str | None = None,
    county_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[RankedMerchant]:
    """The public merchant lookup: active merchants, highest credit first (then by name)."""
    stmt = (
        select(Merchant)
        .where(*serving_conditions(session, category_code=category_code, county_id=county_id))
        .order_by(Merchant.credit_points.desc(), Merchant.name)
        .limit(min(max(limit, 1), 500))
        .offset(max(offset, 0))
        .options(selectinload(Merchant.categories), selectinload(Merchant.counties))
    )
    merchants = session.scalars(stmt).all()
    return [RankedMerchant(offset + i + 1, m, credit_level(m.credit_points)) for i, m in enumerate(merchants)]


@dataclass(frozen=True)
class MerchantProfile:
    """What the console shows of one merchant."""

    merchant: Merchant
    level: Level
    categories: list[ServiceCategory]
    counties: list[County]
    staff: list[MerchantStaff]
    credit: list[CreditEvent]


def merchant_profile(session: Session, merchant_id: int, *, credit_limit: int = 20) -> MerchantProfile:
    """A merchant with its level, categories, counties, staff and latest credit events."""
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound("merchant", merchant_id)
    staff = session.scalars(
        select(MerchantStaff).where(MerchantStaff.merchant_id == merchant_id).order_by(MerchantStaff.name)
    ).all()
    credit = session.scalars(
        select(CreditEvent)
        .where(CreditEvent.merchant_id == merchant_id)
        .order_by(CreditEvent.at.desc(), CreditEvent.id.desc())
        .limit(credit_limit)
    ).all()
    return MerchantProfile(
        merchant,
        credit_level(merchant.credit_points),
        list(merchant.categories),
        list(merchant.counties),
        list(staff),
        list(credit),
    )
