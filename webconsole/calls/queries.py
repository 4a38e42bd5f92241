"""Finding calls (by caller number in any spelling, county, agent and local day, newest first, a page
at a time) and loading one call with everything shown about it. Shared by the pages and the JSON API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, selectinload

from hotline.db.models import Agent, Call, CallLeg, County, Member, ServiceCategory
from hotline.db.service_models import Ticket
from hotline.routing.numbers import normalise
from hotline.services.numbers import clean_number
from hotline.tickets.members import phone_variants

PER_PAGE = 50
MAX_PER_PAGE = 200
FILTERS = ("caller", "county", "agent", "date_from", "date_to")


@dataclass(frozen=True)
class CallFilter:
    """Filters of the call list; empty ones are not applied. Days are the center's local days, inclusive."""

    caller: str | None = None  # a phone number, any spelling
    county: str | None = None  # a county code
    agent: str | None = None  # an agent's name (number)
    date_from: date | None = None
    date_to: date | None = None

    def args(self) -> dict[str, str]:
        """The filter as query arguments (for the next page's link)."""
        values = {name: getattr(self, name) for name in FILTERS}
        return {k: v.isoformat() if isinstance(v, date) else str(v) for k, v in values.items() if v}


@dataclass(frozen=True)
class CallPage:
    """One page of calls, newest first."""

    items: list[Call]
    page: int
    per_page: int
    has_next: bool


def _day(text: str, name: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = "must be a date (YYYY-MM-DD)"
        return None


def parse_filter(args: Mapping[str, str]) -> tuple[CallFilter, dict[str, str]]:
    """The filter of query arguments, and what is wrong with them (field -> why); wrong ones are left out."""
    errors: dict[str, str] = {}
    text = {name: (args.get(name) or "").strip() for name in FILTERS}
    days = {name: _day(text[name], name, errors) if text[name] else None for name in ("date_from", "date_to")}
    if days["date_from"] and days["date_to"] and days["date_from"] > days["date_to"]:
        errors["date_to"] = "is before date_from"
    flt = CallFilter(
        caller=text["caller"][:32] or None,
        county=text["county"][:32] or None,
        agent=text["agent"][:48] or None,
        date_from=days["date_from"],
        date_to=days["date_to"] if "date_to" not in errors else None,
    )
    return flt, errors


def page_args(args: Mapping[str, str], per_page: int = PER_PAGE) -> tuple[int, int, dict[str, str]]:
    """(page, per_page, errors) of the `page` and `per_page` query arguments."""
    errors: dict[str, str] = {}
    values = {"page": 1, "per_page": per_page}
    for name in values:
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) < 1:
            errors[name] = "must be a whole number from 1"
            continue
        values[name] = int(raw)
    return values["page"], min(values["per_page"], MAX_PER_PAGE), errors


def caller_spellings(caller: str) -> list[str]:
    """The forms a caller number may be stored in (calls.caller_number is what the switch gave)."""
    national = normalise(caller).national
    spellings = phone_variants(national) if national else []
    return list(dict.fromkeys([*spellings, clean_number(caller)]))


def _day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def conditions(session: Session, flt: CallFilter, tz: ZoneInfo) -> list[ColumnElement[bool]] | None:
    """The WHERE conditions of a filter; None when nothing can match (an unknown county or agent)."""
    found: list[ColumnElement[bool]] = []
    if flt.caller:
        found.append(Call.caller_number.in_(caller_spellings(flt.caller)))
    if flt.county:
        county_id = session.scalar(select(County.id).where(County.code == flt.county))
        if county_id is None:
            return None
        found.append(Call.county_id == county_id)
    if flt.agent:
        agent_id = session.scalar(select(Agent.id).where(Agent.name == flt.agent))
        if agent_id is None:
            return None
        legs = select(CallLeg.call_id).where(CallLeg.agent_id == agent_id)
        found.append(or_(Call.agent_id == agent_id, Call.id.in_(legs)))
    if flt.date_from:
        found.append(Call.entered_at >= _day_start(flt.date_from, tz))
    if flt.date_to:
        found.append(Call.entered_at < _day_start(flt.date_to + timedelta(days=1), tz))
    return found


def find_calls(
    session: Session, flt: CallFilter, tz: ZoneInfo, *, page: int = 1, per_page: int = PER_PAGE
) -> CallPage:
    """One page of the calls matching `flt`, newest first, with their county and agent."""
    page, per_page = max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)
    where = conditions(session, flt, tz)
    if where is None:
        return CallPage([], page, per_page, False)
    stmt = (
        select(Call)
        .where(*where)
        .order_by(Call.entered_at.desc(), Call.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
        .options(selectinload(Call.county), selectinload(Call.agent), selectinload(Call.recordings))
    )
    rows = list(session.scalars(stmt))
    return CallPage(rows[:per_page], page, per_page, len(rows) > per_page)


def load_call(session: Session, call_id: int) -> Call | None:
    """A call with everything its page shows (county, agent, legs, recordings, callback)."""
    return session.get(
        Call,
        call_id,
        options=[
            selectinload(Call.county),
            selectinload(Call.agent),
            selectinload(Call.legs).selectinload(CallLeg.agent),
            selectinload(Call.recordings),
            selectinload(Call.callback),
        ],
    )


def tickets_of(session: Session, call_id: int) -> list[Ticket]:
    """The tickets opened from a call, oldest first."""
    return list(session.scalars(select(Ticket).where(Ticket.call_id == call_id).order_by(Ticket.id)))


def member_of(session: Session, call: Call) -> Member | None:
    """The member of the call (linked, or by the caller's number)."""
    if call.member_id is not None:
        return session.get(Member, call.member_id)
    national = normalise(call.caller_number).national
    return session.scalar(select(Member).where(Member.phone == national)) if national else None


def category_of(session: Session, code: str | None) -> ServiceCategory | None:
    return session.scalar(select(ServiceCategory).where(ServiceCategory.code == code)) if code else None


def choices(session: Session) -> tuple[list[County], list[Agent]]:
    """The counties and agents the filter form offers."""
    counties = list(session.scalars(select(County).order_by(County.code)))
    agents = list(session.scalars(select(Agent).order_by(Agent.name)))
    return counties, agents
