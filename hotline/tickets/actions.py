"""apply(): the one way a ticket changes. It checks the transition and the actor's roles against
hotline.tickets.workflow, runs the action's effect (dispatch rows, return visits, credit), writes the
timeline entry and moves the status, all in the caller's transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hotline.db.console_models import User
from hotline.db.service_models import ReturnVisit, Ticket, TicketEvent
from hotline.tickets import dispatching, handling, visits, workflow
from hotline.tickets.context import TEXT_MAX, ActionContext, clean_text
from hotline.tickets.errors import NotFound, StaleTicket, ValidationFailed
from hotline.tickets.numbering import parse_number
from hotline.tickets.timing import now_utc

logger = logging.getLogger(__name__)

Effect = Callable[[ActionContext], dict[str, object]]

# What each action does besides moving the status; it reads and validates its own fields
EFFECTS: dict[str, Effect] = {
    "answer": handling.answer,
    "dispatch": dispatching.dispatch,
    "accept": dispatching.accept,
    "refuse": dispatching.refuse,
    "confirm_contact": visits.confirm_contact,
    "recheck_contact": visits.recheck_contact,
    "redispatch": dispatching.redispatch,
    "final_visit": visits.final_visit,
    "order_measure": handling.order_measure,
    "accept_measure": visits.accept_measure,
    "reject_measure": visits.reject_measure,
    "complete_measure": handling.complete_measure,
    "close_satisfied": visits.close_satisfied,
    "return_unsatisfied": visits.return_unsatisfied,
    "forward": handling.forward,
    "record_reply": handling.record_reply,
    "inform_suggester": visits.inform_suggester,
    "cancel": handling.cancel,
    "comment": handling.comment,
}
assert set(EFFECTS) == set(workflow.ACTIONS), "every workflow action needs its effect"


def add_event(
    session: Session,
    ticket: Ticket,
    action: str,
    actor: User | None,
    at: datetime,
    *,
    from_status: str | None,
    to_status: str | None,
    note: str | None = None,
    data: dict[str, object] | None = None,
    actor_label: str | None = None,
) -> TicketEvent:
    """Append an entry to the ticket's timeline."""
    event = TicketEvent(
        at=at,
        actor_id=None if actor is None else actor.id,
        actor=(actor_label or workflow.actor_name(actor))[:64],
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or None,
    )
    ticket.events.append(event)
    return event


def apply(
    session: Session,
    ticket: Ticket,
    action: str,
    actor: User | None,
    *,
    note: str | None = None,
    expected_version: int | None = None,
    actor_label: str | None = None,
    now: datetime | None = None,
    **fields: object,
) -> TicketEvent:
    """Perform `action` on `ticket` as `actor` (None: the system) with the action's `fields`.
    Raises UnknownAction, IllegalTransition (409), NotAllowed (403), StaleTicket (409) when the
    ticket's version is not `expected_version` or changed meanwhile, ValidationFailed (422)."""
    return apply_fields(
        session,
        ticket,
        action,
        actor,
        fields,
        note=note,
        expected_version=expected_version,
        actor_label=actor_label,
        now=now,
    )


def apply_fields(
    session: Session,
    ticket: Ticket,
    action: str,
    actor: User | None,
    fields: Mapping[str, object],
    *,
    note: str | None = None,
    expected_version: int | None = None,
    actor_label: str | None = None,
    now: datetime | None = None,
) -> TicketEvent:
    """apply() with the action's fields as one mapping (a JSON body, a form)."""
    transition = workflow.check(ticket, action, actor)
    if expected_version is not None and expected_version != ticket.version:
        raise StaleTicket(ticket.number, expected_version, ticket.version)
    errors: dict[str, str] = {}
    text = clean_text(note, "note", errors, required=False, max_len=TEXT_MAX)
    if errors:
        raise ValidationFailed(errors)
    at, number = now_utc(now), ticket.number  # a failed flush expires the ticket: keep its number
    try:
        data = EFFECTS[action](ActionContext(session, ticket, action, actor, at, text, dict(fields)))
        event = add_event(
            session,
            ticket,
            action,
            actor,
            at,
            from_status=transition.source,
            to_status=transition.target,
            note=text,
            data=data,
            actor_label=actor_label,
        )
        ticket.status, ticket.updated_at = transition.target, at
        if transition.target in workflow.TERMINAL:
            ticket.closed_at = at
        session.flush()
    except StaleDataError:
        raise StaleTicket(number) from None
    logger.info(
        "ticket %s: %s by %s, %s -> %s",
        ticket.number,
        action,
        event.actor,
        transition.source,
        transition.target,
    )
    return event


def load_ticket(session: Session, key: int | str, *, for_update: bool = False) -> Ticket:
    """A ticket by id or number (as typed: 202611200001 or 20261120-0001); NotFound otherwise.
    `for_update` locks its row (PostgreSQL) so concurrent actions on it wait for each other."""
    if isinstance(key, int):
        stmt = select(Ticket).where(Ticket.id == key)
    else:
        number = parse_number(key)
        if number is None:
            raise NotFound("ticket", key)
        stmt = select(Ticket).where(Ticket.number == number)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    ticket = session.scalar(stmt)
    if ticket is None:
        raise NotFound("ticket", key)
    return ticket


def perform(
    session: Session,
    key: int | str,
    action: str,
    actor: User | None,
    *,
    expected_version: int | None = None,
    note: str | None = None,
    **fields: object,
) -> TicketEvent:
    """Load the ticket (id or number), lock it and apply `action`: what a view or API handler calls."""
    ticket = load_ticket(session, key, for_update=True)
    return apply_fields(session, ticket, action, actor, fields, note=note, expected_version=expected_version)


def record_visit(
    session: Session,
    visit_id: int,
    action: str,
    actor: User | None,
    *,
    note: str | None = None,
    **fields: object,
) -> TicketEvent:
    """Record a return visit's outcome from the work list: `action` is one of the visit's actions
    (hotline.tickets.visits.VISIT_ACTIONS), e.g. confirm_contact or final_visit with its rating."""
    visit = session.get(ReturnVisit, visit_id)
    if visit is None:
        raise NotFound("visit", visit_id)
    ticket = load_ticket(session, visit.ticket_id, for_update=True)
    if action not in visits.VISIT_ACTIONS.get((ticket.type, visit.kind), ()):
        raise ValidationFailed(
            {"action": f"{action} does not record a {visit.kind} visit of a {ticket.type}"}
        )
    return apply_fields(session, ticket, action, actor, {**fields, "visit_id": visit_id}, note=note)
