"""Opening a ticket: a draft prefilled from a call (county, member, category, urgency the IVR learnt),
from a web order, or blank; then open_ticket() numbers it, sets its due date and starts its timeline.
A consultation answered at once is closed in the same step."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db.console_models import User
from hotline.db.models import Call, County, Member, ServiceCategory
from hotline.db.service_models import Ticket
from hotline.routing.numbers import normalise
from hotline.tickets import workflow
from hotline.tickets.actions import add_event, apply
from hotline.tickets.context import TEXT_MAX, clean_text
from hotline.tickets.errors import NotAllowed, NotFound, ValidationFailed
from hotline.tickets.members import MEMBER_KINDS, find_member, get_or_create_member
from hotline.tickets.numbering import claim_number, next_number
from hotline.tickets.timing import URGENCIES, due_at, now_utc

logger = logging.getLogger(__name__)

SOURCES = ("phone", "web", "api")
MEMBER_SOURCES = {"phone": "call", "web": "web", "api": "console"}  # a ticket's source -> its new member's
# IVR choices that name the kind of ticket rather than a service category
IVR_TYPES = {"complaint": "complaint", "suggestion": "suggestion"}


@dataclass(frozen=True)
class TicketDraft:
    """What a new ticket says; the console's form starts from one (dataclasses.replace edits it)."""

    type: str = "service"
    summary: str = ""
    urgency: str = "normal"
    county_id: int | None = None
    member_id: int | None = None
    category_code: str | None = None
    call_id: int | None = None
    source: str = "phone"
    contact_name: str | None = None
    contact_phone: str | None = None
    address: str | None = None
    answer: str | None = None  # a consultation answered at once (it is then closed)


def draft_from_call(session: Session, call_id: int) -> TicketDraft:
    """A draft prefilled from a call: its county, the member calling, the IVR's category and urgency."""
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound("call", call_id)
    member = (
        session.get(Member, call.member_id) if call.member_id else find_member(session, call.caller_number)
    )
    choice = call.category_code
    known = choice is not None and session.scalar(
        select(ServiceCategory.id).where(ServiceCategory.code == choice)
    )
    return TicketDraft(
        type=IVR_TYPES.get(choice or "", "service"),
        urgency=call.urgency if call.urgency in URGENCIES else "normal",
        county_id=call.county_id or (member.county_id if member else None),
        member_id=member.id if member else None,
        category_code=choice if known else None,
        call_id=call.id,
        source="phone",
        contact_name=member.name if member and member.name else None,
        contact_phone=member.phone if member else normalise(call.caller_number).national,
        address=member.address if member else None,
    )


def _exists(session: Session, model: type[County] | type[Member] | type[Call], key: int | None) -> bool:
    return key is None or session.get(model, key) is not None


def _validate(session: Session, draft: TicketDraft) -> tuple[dict[str, str], dict[str, str | None]]:
    """(errors, cleaned texts) of a draft."""
    errors: dict[str, str] = {}
    if draft.type not in workflow.TYPES:
        errors["type"] = f"must be one of {', '.join(workflow.TYPES)}"
    if draft.urgency not in URGENCIES:
        errors["urgency"] = f"must be one of {', '.join(URGENCIES)}"
    if draft.source not in SOURCES:
        errors["source"] = f"must be one of {', '.join(SOURCES)}"
    texts = {
        "summary": clean_text(draft.summary, "summary", errors, required=True, max_len=TEXT_MAX),
        "contact_name": clean_text(draft.contact_name, "contact_name", errors, required=False, max_len=64),
        "address": clean_text(draft.address, "address", errors, required=False, max_len=255),
        "answer": clean_text(draft.answer, "answer", errors, required=False, max_len=TEXT_MAX),
    }
    if texts["answer"] and draft.type != "consultation":
        errors["answer"] = "only a consultation is answered when it is opened"
    if draft.contact_phone:
        texts["contact_phone"] = normalise(draft.contact_phone).national
        if texts["contact_phone"] is None:
            errors["contact_phone"] = f"{draft.contact_phone!r} is not a phone number"
    for name, model, key in (
        ("county_id", County, draft.county_id),
        ("member_id", Member, draft.member_id),
        ("call_id", Call, draft.call_id),
    ):
        if not _exists(session, model, key):
            errors[name] = f"there is no {name[:-3]} {key}"
    code = draft.category_code
    if code and session.scalar(select(ServiceCategory.id).where(ServiceCategory.code == code)) is None:
        errors["category_code"] = f"there is no service category {code}"
    return errors, texts


def open_ticket(
    session: Session,
    draft: TicketDraft,
    actor: User | None,
    *,
    note: str | None = None,
    now: datetime | None = None,
    number: str | None = None,
    actor_label: str | None = None,
    data: dict[str, object] | None = None,
) -> Ticket:
    """Create a ticket from `draft` (status new; a consultation with its answer is closed at once).
    `number` keeps a given number (imports, the demo); otherwise the day's next one is taken."""
    workflow.check_open(actor)
    errors, texts = _validate(session, draft)
    text_note = clean_text(note, "note", errors, required=False, max_len=TEXT_MAX)
    if errors:
        raise ValidationFailed(errors)
    if texts["answer"] and not workflow.may(actor, "answer"):
        raise NotAllowed(workflow.actor_name(actor), "answer", sorted(workflow.ACTION_ROLES["answer"]))
    at = now_utc(now)
    member_id = draft.member_id or _member_of_contact(session, draft, texts)
    ticket = _new_ticket(session, draft, texts, actor, at, number, member_id)
    session.add(ticket)
    opened: dict[str, object] = {"source": draft.source, "urgency": draft.urgency, "call_id": draft.call_id}
    add_event(
        session,
        ticket,
        "open",
        actor,
        at,
        from_status=None,
        to_status=workflow.NEW,
        note=text_note,
        data={k: v for k, v in (opened | (data or {})).items() if v is not None},
        actor_label=actor_label,
    )
    session.flush()
    _link_call(session, draft.call_id, member_id)
    logger.info(
        "ticket %s: opened (%s, %s) by %s", ticket.number, draft.type, draft.urgency, ticket.events[0].actor
    )
    if texts["answer"]:
        apply(session, ticket, "answer", actor, answer=texts["answer"], now=at, actor_label=actor_label)
    return ticket


def _new_ticket(
    session: Session,
    draft: TicketDraft,
    texts: dict[str, str | None],
    actor: User | None,
    at: datetime,
    number: str | None,
    member_id: int | None,
) -> Ticket:
    return Ticket(
        number=claim_number(session, number) if number else next_number(session, at),
        type=draft.type,
        status=workflow.NEW,
        county_id=draft.county_id,
        member_id=member_id,
        call_id=draft.call_id,
        category_code=draft.category_code or None,
        summary=texts["summary"],
        urgency=draft.urgency,
        due_at=due_at(draft.type, draft.urgency, at),
        source=draft.source,
        contact_name=texts["contact_name"],
        contact_phone=texts.get("contact_phone"),
        address=texts["address"],
        created_by_id=None if actor is None else actor.id,
        created_at=at,
        updated_at=at,
    )


def _member_of_contact(session: Session, draft: TicketDraft, texts: dict[str, str | None]) -> int | None:
    """Whoever calls or orders once becomes a member: the contact's phone finds or makes one."""
    phone = texts.get("contact_phone")
    if phone is None or normalise(phone).kind not in MEMBER_KINDS:
        return None
    member, _ = get_or_create_member(
        session,
        phone,
        name=texts["contact_name"],
        county_id=draft.county_id,
        address=texts["address"],
        source=MEMBER_SOURCES[draft.source],
    )
    return member.id


def _link_call(session: Session, call_id: int | None, member_id: int | None) -> None:
    """The call a member's ticket came from becomes part of the member's history."""
    if call_id is None or member_id is None:
        return
    call = session.get(Call, call_id)
    if call is not None and call.member_id is None:
        call.member_id = member_id
