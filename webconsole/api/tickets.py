"""GET /api/v1/tickets (search), GET /api/v1/tickets/<id>, POST /api/v1/tickets (open one) and
POST /api/v1/tickets/<id>/actions/<action>: every change goes through hotline.tickets, the same
functions the console's pages call, so the same roles and transition rules apply."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from flask import request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from hotline.db.console_models import ROLES
from hotline.db.models import Call
from hotline.tickets import (
    TicketDraft,
    TicketQuery,
    ValidationFailed,
    apply_fields,
    draft_from_call,
    load_ticket,
    open_ticket,
    search_tickets,
)
from webconsole import console
from webconsole.api import serialize
from webconsole.api.common import (
    actor_label,
    bp,
    check_args,
    checked_fields,
    json_body,
    page_args,
    page_of,
    user_row,
)
from webconsole.api.members import county_id_of
from webconsole.auth import acting_user, api_auth
from webconsole.tickets.queries import check_scope, county_scope

# The ticket pages' rules (webconsole/tickets/views.py): every role reads tickets and may ask for an
# action (the core checks the action's own roles); intake agents and supervisors open tickets; an area
# manager holding no center role is limited to its county's tickets (webconsole.tickets.queries).
TICKET_ROLES = ROLES
OPEN_ROLES = ("intake", "supervisor")
TICKET_FIELDS: dict[str, type] = {
    "type": str, "summary": str, "urgency": str, "county_id": int, "county": str, "member_id": int,
    "category_code": str, "call_id": int, "source": str, "contact_name": str, "contact_phone": str,
    "address": str, "answer": str, "note": str,
}  # fmt: skip
SEARCH_ARGS = frozenset(
    {"number", "phone", "status", "type", "urgency", "county", "county_id", "merchant_id", "member_id",
     "created_from", "created_to", "open_only", "overdue"}
)  # fmt: skip
TRUE, FALSE = frozenset({"1", "true", "yes"}), frozenset({"", "0", "false", "no"})


def _int_arg(name: str, errors: dict[str, str]) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        errors[name] = "must be a whole number"
        return None
    return int(raw)


def _day_arg(name: str, errors: dict[str, str]) -> date | None:
    raw = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        errors[name] = "must be a date (YYYY-MM-DD)"
        return None


def _flag_arg(name: str, errors: dict[str, str]) -> bool:
    raw = request.args.get(name, "").strip().lower()
    if raw not in TRUE | FALSE:
        errors[name] = "must be true or false"
    return raw in TRUE


def ticket_query(session: Session) -> TicketQuery:
    """The search filters of the query string; ValidationFailed names every wrong one."""
    check_args(SEARCH_ARGS)
    errors: dict[str, str] = {}
    statuses = [s.strip() for raw in request.args.getlist("status") for s in raw.split(",") if s.strip()]
    ids = {name: _int_arg(name, errors) for name in ("county_id", "merchant_id", "member_id")}
    values: dict[str, Any] = {
        "county": request.args.get("county", "").strip() or None,
        "county_id": ids["county_id"],
    }
    try:
        county_id = county_id_of(session, {k: v for k, v in values.items() if v is not None})
    except ValidationFailed as bad:
        errors.update(bad.errors)
        county_id = None
    query = TicketQuery(
        number=request.args.get("number", "").strip() or None,
        phone=request.args.get("phone", "").strip() or None,
        statuses=tuple(statuses),
        type=request.args.get("type", "").strip() or None,
        urgency=request.args.get("urgency", "").strip() or None,
        county_id=county_id,
        merchant_id=ids["merchant_id"],
        member_id=ids["member_id"],
        created_from=_day_arg("created_from", errors),
        created_to=_day_arg("created_to", errors),
        open_only=_flag_arg("open_only", errors),
        overdue=_flag_arg("overdue", errors),
    )
    if errors:
        raise ValidationFailed(errors)
    scope = county_scope(acting_user())
    return query if scope is None else dataclasses.replace(query, county_id=scope)


@bp.get("/tickets")
@api_auth(*TICKET_ROLES)
def tickets() -> dict[str, Any]:
    """Tickets matching the filters, newest first, a page at a time."""
    page, per_page = page_args()
    c = console()
    with c.database.session() as session:
        found = search_tickets(
            session, ticket_query(session), page=page, per_page=per_page, tz=c.settings.timezone
        )
        items = [serialize.ticket_summary(t) for t in found.items]
    return page_of(items, found.page, found.per_page, found.has_next)


@bp.get("/tickets/<int:ticket_id>")
@api_auth(*TICKET_ROLES)
def ticket(ticket_id: int) -> dict[str, Any]:
    """A ticket with its timeline, dispatches, visits and the actions the token's user may take."""
    with console().database.session() as session:
        found = load_ticket(session, ticket_id)
        check_scope(acting_user(), found)
        return serialize.ticket_detail(session, found, user_row(session))


def draft_of(session: Session, values: dict[str, Any]) -> TicketDraft:
    """The draft a body describes: a call's draft (hotline.tickets.draft_from_call) when it names one,
    else a blank one, with the body's fields over it."""
    values["county_id"] = county_id_of(session, values)
    call_id = values.get("call_id")
    if call_id is not None and session.get(Call, call_id) is None:
        raise ValidationFailed({"call_id": f"there is no call {call_id}"})
    base = draft_from_call(session, call_id) if call_id is not None else TicketDraft()
    given = {k: v for k, v in values.items() if v is not None}
    return dataclasses.replace(base, **{"source": "api", **given})


@bp.post("/tickets")
@api_auth(*OPEN_ROLES)
def create_ticket() -> ResponseReturnValue:
    """Open a ticket (a consultation given its answer is closed at once): 201 with the ticket."""
    values = checked_fields(json_body(), TICKET_FIELDS, "a ticket")
    note = values.pop("note", None)
    with console().database.session() as session:
        user = user_row(session)
        draft = draft_of(session, values)
        opened = open_ticket(session, draft, user, note=note, actor_label=actor_label(user))
        body = serialize.ticket_detail(session, opened, user)
    return body, 201, {"Location": body["url"]}


@bp.post("/tickets/<int:ticket_id>/actions/<action>")
@api_auth(*TICKET_ROLES)
def ticket_action(ticket_id: int, action: str) -> dict[str, Any]:
    """Apply a workflow action: the body holds the ticket's `version`, an optional `note` and the
    action's fields. Answers the timeline entry and the ticket as it is now."""
    fields = json_body()
    version, note = fields.pop("version", None), fields.pop("note", None)
    if version is None or not isinstance(version, int) or isinstance(version, bool):
        raise ValidationFailed({"version": "is required: the ticket's version as last read"})
    with console().database.session() as session:
        user = user_row(session)
        found = load_ticket(session, ticket_id, for_update=True)
        check_scope(acting_user(), found)
        event = apply_fields(
            session,
            found,
            action,
            user,
            fields,
            note=note,
            expected_version=version,
            actor_label=actor_label(user),
        )
        return {"event": serialize.event_dict(event), "ticket": serialize.ticket_detail(session, found, user)}
