"""What the ticket pages read: one ticket with everything its page shows, the choices of the forms'
selects, the acting user's row (the core's actor) and the county an area manager is limited to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.db.console_models import User
from hotline.db.models import Call, County, Merchant, ServiceCategory
from hotline.db.service_models import Dispatch, ReturnVisit, Ticket, TicketEvent
from hotline.tickets import Candidate, available_actions, dispatch_candidates, load_ticket, timeline
from hotline.tickets.merchants import Level, credit_level
from hotline.tickets.timing import is_overdue_visit, now_utc
from webconsole.auth import ConsoleUser
from webconsole.errors import ConsoleError, Unauthenticated
from webconsole.i18n import N_
from webconsole.merchants.display import category_tree
from webconsole.tickets.present import Labels

# Roles that work on every county's tickets; an area manager holding none of them sees its own county's
CENTER_ROLES = ("intake", "dispatcher", "visitor", "supervisor", "admin")
# The actions whose form offers merchants to pick
PICKS_MERCHANT = ("dispatch", "order_measure")


class OutsideArea(ConsoleError):
    status_code = 403
    error_id = "outside-area"
    message = N_("This ticket belongs to another county than yours.")


def county_scope(user: ConsoleUser) -> int | None:
    """The county an area manager (with no center role) is limited to; None: every county."""
    if user.has_role(*CENTER_ROLES) or not user.has_role("area_manager"):
        return None
    return user.county_id


def check_scope(user: ConsoleUser, ticket: Ticket) -> None:
    """Refuse a ticket outside the user's county (OutsideArea)."""
    scope = county_scope(user)
    if scope is not None and ticket.county_id != scope:
        raise OutsideArea()


def actor_row(session: Session, user: ConsoleUser) -> User:
    """The acting user's row, the actor the ticket core takes."""
    row = session.get(User, user.id)
    if row is None:
        raise Unauthenticated()
    return row


@dataclass(frozen=True)
class Choice:
    """One option of a select."""

    value: str
    label: str


def county_choices(session: Session, labels: Labels) -> list[Choice]:
    """Every county, by code."""
    return [
        Choice(str(c.id), labels.county(c)) for c in session.scalars(select(County).order_by(County.code))
    ]


def category_choices(session: Session, labels: Labels) -> list[Choice]:
    """Every service category, each under its parent and indented by its depth."""
    return [
        Choice(row.code, "\u3000" * depth + labels.category(row)) for row, depth in category_tree(session)
    ]


def merchant_choices(session: Session) -> list[Choice]:
    """Every merchant, by name (the search filter)."""
    return [Choice(str(m.id), m.name) for m in session.scalars(select(Merchant).order_by(Merchant.name))]


def category_of(session: Session, code: str | None) -> ServiceCategory | None:
    """A service category by code."""
    if not code:
        return None
    return session.scalar(select(ServiceCategory).where(ServiceCategory.code == code))


def call_of(session: Session, call_id: int | None) -> Call | None:
    """A call with its recordings and agent."""
    if call_id is None:
        return None
    return session.get(Call, call_id, options=[selectinload(Call.recordings), selectinload(Call.agent)])


@dataclass(frozen=True)
class TicketView:
    """Everything the ticket page shows."""

    ticket: Ticket
    category: ServiceCategory | None
    call: Call | None
    created_by: str | None
    merchant_level: Level | None
    dispatches: list[Dispatch]
    visits: list[ReturnVisit]
    events: list[TicketEvent]
    actions: list[str]
    candidates: list[Candidate]
    now: datetime

    def visit_overdue(self, visit: ReturnVisit) -> bool:
        """An open visit past its due time and grace."""
        return visit.done_at is None and is_overdue_visit(visit.due_at, self.now)


def ticket_view(session: Session, ticket_id: int, actor: User) -> TicketView:
    """The ticket `ticket_id` as its page shows it to `actor` (NotFound when there is none)."""
    ticket = load_ticket(session, ticket_id)
    actions = available_actions(ticket, actor)
    candidates: list[Candidate] = []
    if any(a in actions for a in PICKS_MERCHANT):
        candidates = dispatch_candidates(session, ticket, include_refused=True)
    creator = session.get(User, ticket.created_by_id) if ticket.created_by_id else None
    dispatches = list(
        session.scalars(
            select(Dispatch)
            .where(Dispatch.ticket_id == ticket.id)
            .order_by(Dispatch.id)
            .options(selectinload(Dispatch.merchant))
        )
    )
    visits = list(
        session.scalars(
            select(ReturnVisit)
            .where(ReturnVisit.ticket_id == ticket.id)
            .order_by(ReturnVisit.due_at, ReturnVisit.id)
        )
    )
    return TicketView(
        ticket=ticket,
        category=category_of(session, ticket.category_code),
        call=call_of(session, ticket.call_id),
        created_by=(creator.display_name or creator.username) if creator else None,
        merchant_level=credit_level(ticket.merchant.credit_points) if ticket.merchant else None,
        dispatches=dispatches,
        visits=visits,
        events=timeline(session, ticket.id),
        actions=actions,
        candidates=candidates,
        now=now_utc(),
    )
