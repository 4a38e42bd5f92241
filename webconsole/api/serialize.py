"""The API's JSON shapes of calls, tickets (with their timeline, dispatches and visits) and members.
Field names are a contract: add fields, never rename or remove one."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy.orm import Session

from hotline.db.console_models import User
from hotline.db.models import Call, Member
from hotline.db.service_models import Dispatch, ReturnVisit, Ticket, TicketEvent
from hotline.services.calls import call_summary_dict, call_to_dict
from hotline.tickets import available_actions, timeline
from webconsole.api.common import iso


def call_summary(call: Call) -> dict[str, Any]:
    """A call in a list (hotline.services.calls.call_summary_dict) with its API address."""
    return {**call_summary_dict(call), "url": url_for("api.call", call_id=call.id)}


def call_detail(call: Call, tickets: list[Ticket]) -> dict[str, Any]:
    """A call with every fact (hotline.services.calls.call_to_dict), its recordings and its tickets."""
    facts = call_to_dict(call)
    facts["member_id"] = call.member_id
    facts["recordings"] = [
        {
            "id": r.id,
            "leg": r.leg,
            "status": r.status,
            "duration_s": r.duration_s,
            "size_bytes": r.size_bytes,
            "sha256": r.sha256,
            "created_at": iso(r.created_at),
            "download_url": url_for("api.recording", recording_id=r.id),
        }
        for r in call.recordings
    ]
    facts["tickets"] = [ticket_summary(t) for t in tickets]
    facts["url"] = url_for("api.call", call_id=call.id)
    return facts


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    """A ticket in a list."""
    return {
        "id": ticket.id,
        "number": ticket.number,
        "type": ticket.type,
        "status": ticket.status,
        "urgency": ticket.urgency,
        "summary": ticket.summary,
        "source": ticket.source,
        "category_code": ticket.category_code,
        "county": ticket.county.code if ticket.county else None,
        "county_id": ticket.county_id,
        "member_id": ticket.member_id,
        "merchant_id": ticket.merchant_id,
        "merchant": ticket.merchant.name if ticket.merchant else None,
        "call_id": ticket.call_id,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "due_at": iso(ticket.due_at),
        "closed_at": iso(ticket.closed_at),
        "version": ticket.version,
        "url": url_for("api.ticket", ticket_id=ticket.id),
    }


def event_dict(event: TicketEvent) -> dict[str, Any]:
    """One timeline entry."""
    return {
        "id": event.id,
        "at": iso(event.at),
        "actor": event.actor,
        "actor_id": event.actor_id,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "note": event.note,
        "data": event.data or {},
    }


def dispatch_dict(dispatch: Dispatch) -> dict[str, Any]:
    """One offer of the ticket to a merchant."""
    return {
        "id": dispatch.id,
        "merchant_id": dispatch.merchant_id,
        "merchant": dispatch.merchant.name,
        "status": dispatch.status,
        "dispatched_at": iso(dispatch.dispatched_at),
        "answered_at": iso(dispatch.answered_at),
        "deadline_at": iso(dispatch.deadline_at),
        "fee_cents": dispatch.fee_cents,
        "note": dispatch.note,
        "call_id": dispatch.call_id,
    }


def visit_dict(visit: ReturnVisit) -> dict[str, Any]:
    """One return visit, due or done."""
    return {
        "id": visit.id,
        "kind": visit.kind,
        "dispatch_id": visit.dispatch_id,
        "due_at": iso(visit.due_at),
        "done_at": iso(visit.done_at),
        "outcome": visit.outcome,
        "satisfaction": visit.satisfaction,
        "timely": visit.timely,
        "fee_paid": visit.fee_paid,
        "note": visit.note,
        "call_id": visit.call_id,
    }


def ticket_detail(session: Session, ticket: Ticket, user: User) -> dict[str, Any]:
    """A ticket with its contact, timeline, dispatches, visits and the actions `user` may take now."""
    session.expire(ticket, ["dispatches", "visits"])  # read-only relationships: reload after a change
    member = ticket.member
    return {
        **ticket_summary(ticket),
        "contact_name": ticket.contact_name,
        "contact_phone": ticket.contact_phone,
        "address": ticket.address,
        "answer": ticket.answer,
        "created_by_id": ticket.created_by_id,
        "member": None if member is None else {"id": member.id, "phone": member.phone, "name": member.name},
        "timeline": [event_dict(e) for e in timeline(session, ticket.id)],
        "dispatches": [dispatch_dict(d) for d in ticket.dispatches],
        "visits": [visit_dict(v) for v in ticket.visits],
        "available_actions": available_actions(ticket, user),
    }


def member_dict(member: Member) -> dict[str, Any]:
    """A member."""
    return {
        "id": member.id,
        "phone": member.phone,
        "name": member.name,
        "county": member.county.code if member.county else None,
        "county_id": member.county_id,
        "address": member.address,
        "notes": member.notes,
        "source": member.source,
        "created_at": iso(member.created_at),
        "url": url_for("api.member", member_id=member.id),
    }
