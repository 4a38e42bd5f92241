"""What the call pages show: local times, labels in the user's language, and the call's facts as one
dict (hotline.services.calls.call_to_dict, with names, recordings and tickets added)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hotline.db.models import Call, County
from hotline.services.calls import call_to_dict
from hotline.services.recordings import STATUS_EMPTY, STATUS_MISSING
from hotline.tickets import labels as ticket_labels
from webconsole.calls import queries
from webconsole.desk import labels as desk_labels
from webconsole.i18n import _, current_language


def local(value: datetime | None, tz: ZoneInfo) -> str | None:
    """A stored (UTC) time in the center's time zone."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if value else None


def county_name(county: County | None) -> str | None:
    if county is None:
        return None
    return county.name_en if current_language() == "en" else county.name_zh


def dispositions() -> dict[str, str]:
    """How each call ended, in the user's language (hotline.vocabulary's DISP_* values)."""
    return {
        "answered": _("Answered by an agent"), "abandoned": _("Abandoned while waiting"),
        "rejected": _("Rejected by the system"), "failed": _("Call failed"), "active": _("Call in progress"),
        "transferred": _("Transferred out"), "message": _("Left a voice message"),
        "callback": _("Callback requested"),
    }  # fmt: skip


def field_errors(errors: dict[str, str]) -> dict[str, str]:
    """The filter's errors, in the user's language (the field's name says which input)."""
    return {name: _("Not a valid filter value") for name in errors}


def call_row(call: Call, tz: ZoneInfo) -> dict[str, Any]:
    """One line of the call list."""
    talk = None
    if call.answered_at and call.ended_at:
        talk = round((call.ended_at - call.answered_at).total_seconds())
    return {
        "id": call.id,
        "entered": local(call.entered_at, tz),
        "caller": call.caller_number,
        "dialed": call.dialed_number,
        "county": county_name(call.county),
        "queue": call.queue_name,
        "agent": call.agent.display_name if call.agent else None,
        "disposition": dispositions().get(call.disposition, call.disposition),
        "wait": None if call.wait_s is None else round(call.wait_s),
        "talk": talk,
        "recordings": len(call.recordings),
    }


def _ivr_steps(path: list[dict[str, Any]]) -> list[str]:
    return [
        f"{step.get('node', '?')}" + (f" [{step['digits']}]" if step.get("digits") else "") for step in path
    ]


def _urgency(urgency: str | None, lang: str) -> str | None:
    return ticket_labels.pick(ticket_labels.URGENCY_LABELS, urgency, lang) if urgency else None


def call_facts(session: Session, call: Call, tz: ZoneInfo) -> dict[str, Any]:
    """Everything the call's page shows."""
    facts = call_to_dict(call)
    lang = current_language()
    category = queries.category_of(session, call.category_code)
    member = queries.member_of(session, call)
    reasons = desk_labels.pop_labels()["reasons"]
    facts.update(
        entered=local(call.entered_at, tz),
        answered=local(call.answered_at, tz),
        ended=local(call.ended_at, tz),
        county_name=county_name(call.county),
        routing_label=reasons.get(call.routing_reason or "", call.routing_reason),
        category_name=(category.name_en if lang == "en" else category.name_zh) if category else None,
        ivr_steps=_ivr_steps(call.ivr_path or []),
        urgency_label=_urgency(call.urgency, lang),
        agent_name=call.agent.display_name if call.agent else None,
        disposition_label=dispositions().get(call.disposition, call.disposition),
        member=None if member is None else {"id": member.id, "name": member.name, "phone": member.phone},
        legs=[
            {
                "agent": leg.agent.display_name if leg.agent else None,
                "endpoint": leg.endpoint,
                "connected": local(leg.connected_at, tz),
            }
            for leg in call.legs
        ],
        recordings=[
            {
                "id": r.id,
                "leg": r.leg,
                "status": r.status,
                "duration_s": r.duration_s,
                "playable": r.status not in (STATUS_MISSING, STATUS_EMPTY),
            }
            for r in call.recordings
        ],
        tickets=[
            {
                "id": t.id,
                "number": t.number,
                "summary": t.summary[:120],
                "type": ticket_labels.pick(ticket_labels.TYPE_LABELS, t.type, lang),
                "status": ticket_labels.status_label(t.status, lang, t.type),
            }
            for t in queries.tickets_of(session, call.id)
        ],
    )
    return facts
