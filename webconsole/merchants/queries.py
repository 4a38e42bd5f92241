"""What the merchant pages show: the list filtered by category, county and contract status, best
credit first; one merchant's profile with staff certificates, credit history and recent tickets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session, selectinload

from hotline.db.models import County, Merchant, ServiceCategory, merchant_categories, merchant_counties
from hotline.db.service_models import MerchantStaff, Ticket
from hotline.tickets import merchant_profile
from hotline.tickets.labels import CREDIT_REASON_LABELS, pick
from hotline.tickets.merchants import serving_category_ids
from webconsole.i18n import current_language
from webconsole.members.queries import TicketRow, local_time, ticket_row
from webconsole.merchants.display import LevelView, contract_label, level_view, local_name

PER_PAGE = 25
RECENT_TICKETS = 20
EXPIRING_SOON = timedelta(days=30)


@dataclass(frozen=True)
class MerchantRow:
    """A merchant as a line of the list, with its rank and level."""

    id: int
    rank: int
    name: str
    phone: str
    status: str
    status_label: str
    points: int
    level: LevelView
    categories: list[str]
    counties: list[str]


def _row(rank: int, merchant: Merchant) -> MerchantRow:
    return MerchantRow(
        merchant.id,
        rank,
        merchant.name,
        merchant.phone,
        merchant.contract_status,
        contract_label(merchant.contract_status),
        merchant.credit_points,
        level_view(merchant.credit_points),
        [local_name(c) for c in merchant.categories],
        [local_name(c) for c in merchant.counties],
    )


def filter_conditions(
    session: Session, *, category_code: str | None, county_id: int | None, status: str | None
) -> list[ColumnElement[bool]]:
    """Merchants serving a category (its parents and children count), a county, in a contract status."""
    conditions: list[ColumnElement[bool]] = []
    if status:
        conditions.append(Merchant.contract_status == status)
    if category_code:
        ids = serving_category_ids(session, category_code)
        served = select(merchant_categories.c.merchant_id).where(merchant_categories.c.category_id.in_(ids))
        conditions.append(Merchant.id.in_(served) if ids else false())
    if county_id is not None:
        in_county = select(merchant_counties.c.merchant_id).where(merchant_counties.c.county_id == county_id)
        conditions.append(Merchant.id.in_(in_county))
    return conditions


def merchant_list(
    session: Session,
    *,
    category_code: str | None = None,
    county_id: int | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> tuple[list[MerchantRow], bool]:
    """(the page's merchants, highest credit first then by name; whether there is a next page)."""
    offset = (page - 1) * per_page
    stmt = (
        select(Merchant)
        .where(*filter_conditions(session, category_code=category_code, county_id=county_id, status=status))
        .order_by(Merchant.credit_points.desc(), Merchant.name, Merchant.id)
        .limit(per_page + 1)
        .offset(offset)
        .options(selectinload(Merchant.categories), selectinload(Merchant.counties))
    )
    rows = list(session.scalars(stmt))
    return [_row(offset + i + 1, m) for i, m in enumerate(rows[:per_page])], len(rows) > per_page


@dataclass(frozen=True)
class StaffRow:
    """A staff member and the state of their certificate."""

    id: int
    name: str
    certificate: str
    certificate_no: str
    valid_until: str
    expired: bool
    expiring: bool


@dataclass(frozen=True)
class CreditRow:
    """A credit event, its reason in words."""

    at: str
    points: int
    reason: str
    note: str
    ticket_id: int | None


@dataclass(frozen=True)
class MerchantDetail:
    """One merchant as its page shows it, and the ids its edit form needs."""

    row: MerchantRow
    contact_name: str
    address: str
    main_county: str
    main_category: str
    county_id: int | None
    category_id: int | None
    category_ids: list[int]
    county_ids: list[int]
    staff: list[StaffRow]
    credit: list[CreditRow]
    tickets: list[TicketRow]


def staff_row(person: MerchantStaff, today: date) -> StaffRow:
    """A staff member, their certificate marked expired (or expiring within a month)."""
    until = person.valid_until
    expired = until is not None and until < today
    expiring = until is not None and not expired and until <= today + EXPIRING_SOON
    return StaffRow(
        person.id,
        person.name,
        person.certificate or "",
        person.certificate_no or "",
        until.isoformat() if until else "",
        expired,
        expiring,
    )


def merchant_detail(session: Session, merchant_id: int, tz: tzinfo, now: datetime) -> MerchantDetail:
    """A merchant's profile, staff, latest credit events and tickets; NotFound if there is none."""
    profile = merchant_profile(session, merchant_id)
    m = profile.merchant
    lang = current_language()
    today = now.astimezone(tz).date()
    tickets = session.scalars(
        select(Ticket)
        .where(Ticket.merchant_id == merchant_id)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(RECENT_TICKETS)
    ).all()
    main_county = session.get(County, m.county_id) if m.county_id is not None else None
    main_category = session.get(ServiceCategory, m.category_id) if m.category_id is not None else None
    credit = [
        CreditRow(
            local_time(e.at, tz),
            e.points,
            pick(CREDIT_REASON_LABELS, e.reason, lang),
            e.note or "",
            e.ticket_id,
        )
        for e in profile.credit
    ]
    return MerchantDetail(
        row=_row(0, m),
        contact_name=m.contact_name or "",
        address=m.address or "",
        main_county=local_name(main_county),
        main_category=local_name(main_category),
        county_id=m.county_id,
        category_id=m.category_id,
        category_ids=sorted(c.id for c in profile.categories),
        county_ids=sorted(c.id for c in profile.counties),
        staff=[staff_row(s, today) for s in profile.staff],
        credit=credit,
        tickets=[ticket_row(t, tz) for t in tickets],
    )
