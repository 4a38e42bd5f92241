"""What the member pages show, read inside one transaction into plain rows for the templates: the
search (by phone, any spelling, or by name) and a member's record with their calls and tickets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from hotline.db.models import Call, County, Member
from hotline.db.service_models import Ticket
from hotline.routing.numbers import normalise
from hotline.tickets import member_history
from hotline.tickets.labels import TYPE_LABELS, pick, status_label
from hotline.tickets.members import MEMBER_KINDS
from webconsole.i18n import current_language
from webconsole.merchants.display import local_name

PER_PAGE = 25
_SEPARATORS = re.compile(r"[\s\-.()+]")
MIN_DIGITS = 3  # fewer digits find too many members to be a search


def local_time(value: datetime | None, tz: tzinfo) -> str:
    """A stored UTC time in the center's time zone, to the minute; "" for none."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""


@dataclass(frozen=True)
class MemberRow:
    """A member as a line of the list."""

    id: int
    name: str
    phone: str
    county: str
    address: str
    created: str
    source: str


def _row(member: Member, tz: tzinfo) -> MemberRow:
    return MemberRow(
        member.id,
        member.name,
        member.phone,
        local_name(member.county),
        member.address or "",
        local_time(member.created_at, tz),
        member.source,
    )


def search_condition(query: str) -> ColumnElement[bool] | None:
    """A whole phone number (any spelling) finds its member; some digits, the phones containing them;
    anything else, the names containing it. None for an empty query."""
    text = query.strip()
    if not text:
        return None
    number = normalise(text)
    if number.national is not None and number.kind in MEMBER_KINDS:
        return Member.phone == number.national
    digits = _SEPARATORS.sub("", text)
    if digits.isdigit() and len(digits) >= MIN_DIGITS:
        return Member.phone.contains(digits, autoescape=True)
    return Member.name.icontains(text, autoescape=True)


def search_members(
    session: Session, query: str, tz: tzinfo, page: int = 1, per_page: int = PER_PAGE
) -> tuple[list[MemberRow], bool]:
    """(the page's members, newest first; whether there is a next page)."""
    stmt = select(Member).options(selectinload(Member.county))
    condition = search_condition(query)
    if condition is not None:
        stmt = stmt.where(condition)
    stmt = stmt.order_by(Member.created_at.desc(), Member.id.desc())
    rows = list(session.scalars(stmt.limit(per_page + 1).offset((page - 1) * per_page)))
    return [_row(m, tz) for m in rows[:per_page]], len(rows) > per_page


@dataclass(frozen=True)
class RecordingLink:
    """A recording of a call, linked to its player."""

    id: int
    status: str
    seconds: int | None


@dataclass(frozen=True)
class CallRow:
    """A call of the member, with its recordings."""

    id: int
    entered: str
    caller: str
    disposition: str
    agent: str
    talk_seconds: int | None
    recordings: list[RecordingLink]


@dataclass(frozen=True)
class TicketRow:
    """A ticket as a line of a list."""

    id: int
    number: str
    type: str
    status: str
    closed: bool
    summary: str
    created: str


@dataclass(frozen=True)
class MemberRecord:
    """A member with their editable fields and their history."""

    member: MemberRow
    county_code: str
    notes: str
    calls: list[CallRow]
    tickets: list[TicketRow]


def _call_row(call: Call, tz: tzinfo) -> CallRow:
    talk = None
    if call.answered_at and call.ended_at:
        talk = round((call.ended_at - call.answered_at).total_seconds())
    recordings = [
        RecordingLink(r.id, r.status, round(r.duration_s) if r.duration_s is not None else None)
        for r in call.recordings
    ]
    agent = call.agent.display_name if call.agent else ""
    return CallRow(
        call.id,
        local_time(call.entered_at, tz),
        call.caller_number,
        call.disposition,
        agent,
        talk,
        recordings,
    )


def ticket_row(ticket: Ticket, tz: tzinfo) -> TicketRow:
    """A ticket as a line of a list, its type and status in the request's language."""
    lang = current_language()
    return TicketRow(
        ticket.id,
        ticket.number,
        pick(TYPE_LABELS, ticket.type, lang),
        status_label(ticket.status, lang, ticket.type),
        ticket.closed_at is not None,
        ticket.summary,
        local_time(ticket.created_at, tz),
    )


def member_record(session: Session, member_id: int, tz: tzinfo) -> MemberRecord:
    """A member's record, latest calls (with their recordings) and tickets; NotFound if none."""
    history = member_history(session, member_id)
    member = history.member
    call_ids = [c.id for c in history.calls]
    calls = session.scalars(
        select(Call)
        .where(Call.id.in_(call_ids))
        .options(selectinload(Call.recordings), selectinload(Call.agent))
        .order_by(Call.entered_at.desc(), Call.id.desc())
    ).all()
    county = session.get(County, member.county_id) if member.county_id is not None else None
    return MemberRecord(
        _row(member, tz),
        county.code if county else "",
        member.notes or "",
        [_call_row(c, tz) for c in calls],
        [ticket_row(t, tz) for t in history.tickets],
    )
