"""Members (会员): one per normalised phone number (hotline.routing.numbers.normalise), created on first
contact, edited by agents, with their history of calls and tickets for the screen-pop.

get-or-create is one INSERT ... ON CONFLICT (phone) DO NOTHING then a read: two agents (or a call and
a web order) creating the same member at once get the same row, and the transaction is never aborted
(a failed INSERT would doom a PostgreSQL transaction, and a SAVEPOINT around it commits early on
SQLite's driver when it is the transaction's first statement)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.db.base import utcnow
from hotline.db.models import Call, County, Member
from hotline.db.service_models import Ticket
from hotline.routing.numbers import normalise
from hotline.tickets.context import clean_text
from hotline.tickets.errors import DuplicatePhone, NotFound, ValidationFailed
from hotline.tickets.upsert import insert_for

logger = logging.getLogger(__name__)

MEMBER_KINDS = ("mobile", "fixed", "foreign")  # numbers a member can be called back on
SOURCES = ("call", "web", "console")
EDITABLE = ("name", "phone", "county_id", "address", "notes")


def member_phone(raw: str | None, field: str = "phone") -> str:
    """The national form of a member's phone; ValidationFailed unless it is a callable number."""
    number = normalise(raw)
    if number.national is None or number.kind not in MEMBER_KINDS:
        raise ValidationFailed({field: f"{raw!r} is not a phone number a member can be called back on"})
    return number.national


def phone_variants(national: str) -> list[str]:
    """The forms a switch may have put a member's number in (calls.caller_number is not normalised)."""
    subscriber = national[1:] if national.startswith("0") else national
    chinese = [f"+86{subscriber}", f"86{subscriber}", f"0086{subscriber}"]
    return [national, *chinese, f"+{national}", f"00{national}"]  # the last two: a foreign number


def find_member(session: Session, phone: str) -> Member | None:
    """The member with this phone (any spelling of it), or None."""
    number = normalise(phone)
    if number.national is None:
        return None
    return session.scalar(select(Member).where(Member.phone == number.national))


def _check_county(session: Session, county_id: int | None, errors: dict[str, str]) -> None:
    if county_id is not None and session.get(County, county_id) is None:
        errors["county_id"] = f"there is no county {county_id}"


def get_or_create_member(
    session: Session,
    phone: str,
    *,
    name: str | None = None,
    county_id: int | None = None,
    address: str | None = None,
    source: str = "console",
) -> tuple[Member, bool]:
    """The member with this phone, created with the other fields if there is none; (member, created).
    An existing member is returned unchanged (update_member changes it)."""
    national = member_phone(phone)
    existing = session.scalar(select(Member).where(Member.phone == national))
    if existing is not None:
        return existing, False
    errors: dict[str, str] = {}
    clean_name = clean_text(name, "name", errors, required=False, max_len=64)
    clean_address = clean_text(address, "address", errors, required=False, max_len=255)
    _check_county(session, county_id, errors)
    if source not in SOURCES:
        errors["source"] = f"must be one of {', '.join(SOURCES)}"
    if errors:
        raise ValidationFailed(errors)
    values = {"phone": national, "name": clean_name or "", "county_id": county_id, "address": clean_address}
    stmt = insert_for(session, Member).values(**values, source=source, created_at=utcnow())
    new_id = session.execute(
        stmt.on_conflict_do_nothing(index_elements=["phone"]).returning(Member.id)
    ).scalar()
    member = session.scalars(select(Member).where(Member.phone == national)).one()
    if new_id is None:
        logger.info("member %s: created meanwhile by another session, reused", national)
    else:
        logger.info("member %s: created (%s)", national, source)
    return member, new_id is not None


def update_member(session: Session, member_id: int, **changes: object) -> Member:
    """Change a member's name, phone, county_id, address or notes (only the ones given)."""
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("member", member_id)
    errors = {name: "cannot be changed here" for name in changes if name not in EDITABLE}
    values: dict[str, object] = {}
    for name, limit in (("name", 64), ("address", 255), ("notes", 4000)):
        if name in changes:
            values[name] = clean_text(changes[name], name, errors, required=name == "name", max_len=limit)
    if "county_id" in changes:
        county_id = changes["county_id"]
        if county_id is not None and not isinstance(county_id, int):
            errors["county_id"] = "must be a county id"
        else:
            _check_county(session, county_id, errors)
            values["county_id"] = county_id
    if "phone" in changes:
        try:
            values["phone"] = member_phone(str(changes["phone"] or ""))
        except ValidationFailed as bad:
            errors.update(bad.errors)
    if errors:
        raise ValidationFailed(errors)
    if "phone" in values and values["phone"] != member.phone:
        other = session.scalar(select(Member.id).where(Member.phone == values["phone"]))
        if other is not None:
            raise DuplicatePhone(str(values["phone"]), other)
    for name, value in values.items():
        setattr(member, name, value)
    session.flush()
    return member


@dataclass(frozen=True)
class MemberHistory:
    """A member with their latest tickets and calls, newest first."""

    member: Member
    tickets: list[Ticket]
    calls: list[Call]


def member_history(session: Session, member_id: int, *, limit: int = 20) -> MemberHistory:
    """What the agent sees when a member calls: their latest tickets and calls."""
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("member", member_id)
    tickets = session.scalars(
        select(Ticket)
        .where(Ticket.member_id == member_id)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(limit)
    ).all()
    calls = session.scalars(
        select(Call)
        .where(or_(Call.member_id == member_id, Call.caller_number.in_(phone_variants(member.phone))))
        .order_by(Call.entered_at.desc(), Call.id.desc())
        .limit(limit)
    ).all()
    return MemberHistory(member, list(tickets), list(calls))
