"""The ticket pages: search, the new-ticket form (prefilled from a call), a ticket with its timeline
and one form per action the user may take now. Every change goes through the ticket core
(hotline.tickets: open_ticket, apply_fields), which refuses what the workflow does not allow."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from hotline.db.models import Member
from hotline.tickets import (
    NotFound,
    TicketDraft,
    TicketError,
    ValidationFailed,
    apply_fields,
    draft_from_call,
    load_ticket,
    open_ticket,
    search_tickets,
    workflow,
)
from hotline.tickets.opening import IVR_TYPES
from hotline.tickets.timing import URGENCIES
from webconsole import console
from webconsole.auth import acting_user, roles
from webconsole.errors import wants_json
from webconsole.i18n import _
from webconsole.tickets import forms, queries, refusals
from webconsole.tickets.present import current_labels, template_helpers, zone

logger = logging.getLogger(__name__)

bp = Blueprint("tickets", __name__, url_prefix="/tickets")
bp.context_processor(template_helpers)

VIEW_ROLES = ("intake", "dispatcher", "visitor", "supervisor", "area_manager", "admin")
OPEN_ROLES = ("intake", "supervisor")
PER_PAGE = 25
REFUSAL = "hotline_ticket_refusal"  # the session key of a refused action, shown once on the ticket page
ACTION_RULE = f"/<int:ticket_id>/actions/<any({', '.join(workflow.ACTIONS)}):action>"


@bp.get("/")
@roles(*VIEW_ROLES)
def index() -> ResponseReturnValue:
    """Search tickets: number, member phone, status, type, urgency, county, merchant, date range."""
    found = forms.search(request.args)
    user = acting_user()
    scope = queries.county_scope(user)
    if scope is not None:
        found.query = dataclasses.replace(found.query, county_id=scope)
    c, labels = console(), current_labels()
    found.errors = refusals.field_errors(found.errors)
    with c.database.session() as s:
        page = None
        if not found.errors:
            try:
                page = search_tickets(
                    s, found.query, page=found.page, per_page=PER_PAGE, tz=c.settings.timezone
                )
            except ValidationFailed as exc:
                found.errors.update(refusals.field_errors(exc.errors))
        return render_template(
            "tickets/index.html",
            search=found,
            page=page,
            scope=scope,
            statuses=workflow.ALL_STATUSES,
            types=workflow.TYPES,
            urgencies=URGENCIES,
            counties=queries.county_choices(s, labels),
            merchants=queries.merchant_choices(s),
        )


def _new_form(draft: TicketDraft, errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    labels = current_labels()
    with console().database.session() as s:
        member = s.get(Member, draft.member_id) if draft.member_id is not None else None
        html = render_template(
            "tickets/new.html",
            draft=draft,
            errors=errors,
            call=queries.call_of(s, draft.call_id),
            member=member,
            ivr_types=IVR_TYPES,
            types=workflow.TYPES,
            urgencies=URGENCIES,
            counties=queries.county_choices(s, labels),
            categories=queries.category_choices(s, labels),
        )
    return html, status


@bp.get("/new")
@roles(*OPEN_ROLES)
def new() -> ResponseReturnValue:
    """The new-ticket form; ?call=<id> prefills it from the call (member, county, category, urgency)."""
    call = request.args.get("call", "")
    draft = TicketDraft()
    if call:
        if not call.isdigit():
            abort(404)
        try:
            with console().database.session() as s:
                draft = draft_from_call(s, int(call))
        except NotFound:
            abort(404)
    return _new_form(draft, {})


@bp.post("/")
@roles(*OPEN_ROLES)
def create() -> ResponseReturnValue:
    """Open a ticket from the form (a consultation answered at once is closed), then show it."""
    draft, errors = forms.draft(request.form)
    if errors:
        return _new_form(draft, errors, 422)
    try:
        with console().database.session() as s:
            ticket = open_ticket(s, draft, queries.actor_row(s, acting_user()))
            ticket_id, number = ticket.id, ticket.number
    except ValidationFailed as exc:
        return _new_form(draft, refusals.field_errors(exc.errors, keep_names=True), 422)
    except TicketError as exc:
        return refusals.error_page(exc)
    flash(_("Ticket %(number)s is opened.", number=number))
    return redirect(url_for("tickets.detail", ticket_id=ticket_id), 303)


def _refusal_for(ticket_id: int) -> dict[str, Any] | None:
    refusal = session.pop(REFUSAL, None)
    if isinstance(refusal, dict) and refusal.get("ticket") == ticket_id:
        return refusal
    return None


@bp.get("/<int:ticket_id>")
@roles(*VIEW_ROLES)
def detail(ticket_id: int) -> ResponseReturnValue:
    """A ticket: its fields, call and recordings, dispatches, visits, timeline and action forms."""
    refusal = _refusal_for(ticket_id)
    user = acting_user()
    with console().database.session() as s:
        try:
            view = queries.ticket_view(s, ticket_id, queries.actor_row(s, user))
        except NotFound:
            abort(404)
        queries.check_scope(user, view.ticket)
        return render_template("tickets/detail.html", v=view, refusal=refusal, tz=zone())


@bp.post(ACTION_RULE)
@roles(*VIEW_ROLES)
def act(ticket_id: int, action: str) -> ResponseReturnValue:
    """Perform one action on the ticket at the version the user saw; a refusal is shown on its page."""
    user = acting_user()
    try:
        version, note, fields = forms.action_fields(action, request.form, zone())
        with console().database.session() as s:
            ticket = load_ticket(s, ticket_id, for_update=True)
            queries.check_scope(user, ticket)
            apply_fields(
                s, ticket, action, queries.actor_row(s, user), fields, note=note, expected_version=version
            )
            number = ticket.number
    except NotFound:
        abort(404)
    except TicketError as exc:
        logger.info("ticket %s: %s by %s refused: %s", ticket_id, action, user.username, exc.message)
        if wants_json():
            return refusals.error_page(exc)
        message = refusals.message(exc)
        session[REFUSAL] = {
            "ticket": ticket_id,
            "action": action,
            "error_id": exc.error_id,
            "message": message,
        }
        return redirect(url_for("tickets.detail", ticket_id=ticket_id, _anchor=f"action-{action}"), 303)
    flash(
        _("Ticket %(number)s: “%(action)s” is done.", number=number, action=current_labels().action(action))
    )
    return redirect(url_for("tickets.detail", ticket_id=ticket_id), 303)
