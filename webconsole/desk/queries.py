"""What the desk shows when a call rings: the caller, why the call came to this county, the IVR path,
the member record (or none: a new caller), their open and recent tickets, and their past calls with
recordings. One dict, sent as the pop event's data and rendered by the desk page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from hotline.db.console_models import DeskEvent
from hotline.db.models import Call, County, Member, ServiceCategory
from hotline.db.service_models import Ticket
from hotline.routing.numbers import normalise
from hotline.tickets.labels import status_label

RING_FRESH = timedelta(minutes=2)  # a ring older than this is not replayed to a reconnecting browser
HISTORY = 10


def _local(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if value else None


def _county(county: County | None) -> dict[str, str] | None:
    return {"code": county.code, "name_zh": county.name_zh, "name_en": county.name_en} if county else None


def _ticket(t: Ticket, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": t.id, "number": t.number, "type": t.type, "status": t.status, "summary": t.summary[:200],
        "status_label": {lang: status_label(t.status, lang, t.type) for lang in ("zh", "en")},
        "created_at": _local(t.created_at, tz), "closed": t.closed_at is not None,
    }  # fmt: skip


def _call(c: Call, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": c.id, "uid": c.uid, "entered_at": _local(c.entered_at, tz), "disposition": c.disposition,
        "agent": c.agent.name if c.agent else None, "category": c.category_code,
        "recordings": [{"id": r.id, "duration_s": r.duration_s, "status": r.status} for r in c.recordings],
    }  # fmt: skip


def member_for(session: Session, caller_number: str) -> Member | None:
    """The member registered with this caller's number (numbers normalised the same way)."""
    national = normalise(caller_number).national
    if national is None:
        return None
    return session.scalar(select(Member).options(selectinload(Member.county)).where(Member.phone == national))


def category_names(session: Session, code: str | None) -> dict[str, str] | None:
    if not code:
        return None
    cat = session.scalar(select(ServiceCategory).where(ServiceCategory.code == code))
    return {"code": code, "name_zh": cat.name_zh, "name_en": cat.name_en} if cat else {"code": code}


def pop(session: Session, call: Call, tz: ZoneInfo) -> dict[str, Any]:
    """Everything the agent's screen shows for `call`."""
    number = normalise(call.caller_number)
    member = member_for(session, call.caller_number)
    phones = [p for p in {number.national, call.caller_number} if p]
    ticket_filter = [Ticket.contact_phone.in_(phones)] + ([Ticket.member_id == member.id] if member else [])
    tickets = list(
        session.scalars(
            select(Ticket).where(or_(*ticket_filter)).order_by(Ticket.id.desc()).limit(HISTORY * 2)
        )
    )
    past = list(
        session.scalars(
            select(Call).options(selectinload(Call.recordings), selectinload(Call.agent))
            .where(Call.caller_number.in_(phones), Call.id != call.id)
            .order_by(Call.id.desc()).limit(HISTORY)
        )
    )  # fmt: skip
    return {
        "call": {
            "id": call.id, "uid": call.uid, "caller": number.label, "dialed": call.dialed_number,
            "county": _county(call.county), "routing_reason": call.routing_reason,
            "routing_detail": call.routing_detail, "language": call.language, "urgency": call.urgency,
            "category": category_names(session, call.category_code), "ivr_path": call.ivr_path or [],
            "queue": call.queue_name, "entered_at": _local(call.entered_at, tz),
        },
        "member": None if member is None else {
            "id": member.id, "name": member.name, "phone": member.phone, "address": member.address,
            "county": _county(member.county),
        },
        "open_tickets": [_ticket(t, tz) for t in tickets if t.closed_at is None][:HISTORY],
        "recent_tickets": [_ticket(t, tz) for t in tickets if t.closed_at is not None][:HISTORY],
        "past_calls": [_call(c, tz) for c in past],
    }  # fmt: skip


def event_payload(session: Session, event: DeskEvent, tz: ZoneInfo) -> dict[str, Any]:
    """The stream's data for one desk event: a ring carries the whole pop."""
    data: dict[str, Any] = {
        "event": event.id,
        "kind": event.kind,
        "at": event.at.isoformat(),
        **(event.data or {}),
    }
    if event.kind == "ring" and event.call_id is not None:
        call = session.scalar(select(Call).options(selectinload(Call.county)).where(Call.id == event.call_id))
        if call is not None:
            data["pop"] = pop(session, call, tz)
    return data


def events_after(session: Session, agent_id: int, after: int) -> list[DeskEvent]:
    """The agent's desk events newer than id `after`, oldest first."""
    stmt = (
        select(DeskEvent).where(DeskEvent.agent_id == agent_id, DeskEvent.id > after).order_by(DeskEvent.id)
    )
    return list(session.scalars(stmt.limit(100)))


def still_ringing(session: Session, agent_id: int, now: datetime | None = None) -> DeskEvent | None:
    """The agent's latest ring if its phone is still ringing (no answer or end after it, and fresh):
    what a browser that (re)connects mid-ring is shown at once."""
    now = now or datetime.now(UTC)
    last = session.scalar(
        select(DeskEvent).where(DeskEvent.agent_id == agent_id).order_by(DeskEvent.id.desc()).limit(1)
    )
    if last is None or last.kind != "ring" or now - last.at > RING_FRESH:
        return None
    return last


def latest_event_id(session: Session, agent_id: int) -> int:
    last = session.scalar(
        select(DeskEvent.id).where(DeskEvent.agent_id == agent_id).order_by(DeskEvent.id.desc()).limit(1)
    )
    return int(last or 0)
