"""The ticket workflow as data: per ticket type, (status, action) -> new status, and the roles that may
perform each action. hotline.tickets.actions.apply() is the only code that moves a ticket through it.

consultation  new -answer-> closed
service       new -dispatch-> dispatched -accept-> accepted -confirm_contact-> in_service
              -final_visit-> closed; dispatched -refuse-> new; accepted -recheck_contact-> accepted;
              accepted|in_service -redispatch-> new; accepted -final_visit-> closed
complaint     new -order_measure-> measure_ordered -accept_measure-> measure_accepted
              -complete_measure-> measure_done -close_satisfied-> closed;
              measure_ordered -reject_measure-> new; measure_done -return_unsatisfied-> new
suggestion    new -forward-> forwarded -record_reply-> replied -inform_suggester-> closed;
              new -record_reply-> replied
every type    any open status -cancel-> cancelled (supervisor, admin); any status -comment-> same status
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.db.console_models import ROLES, User
from hotline.db.service_models import Ticket
from hotline.tickets.errors import IllegalTransition, NotAllowed, UnknownAction

TYPES = ("consultation", "service", "complaint", "suggestion")
NEW, CLOSED, CANCELLED = "new", "closed", "cancelled"
TERMINAL = frozenset({CLOSED, CANCELLED})

STATUSES: dict[str, tuple[str, ...]] = {
    "consultation": (NEW, CLOSED, CANCELLED),
    "service": (NEW, "dispatched", "accepted", "in_service", CLOSED, CANCELLED),
    "complaint": (NEW, "measure_ordered", "measure_accepted", "measure_done", CLOSED, CANCELLED),
    "suggestion": (NEW, "forwarded", "replied", CLOSED, CANCELLED),
}
ALL_STATUSES = tuple(dict.fromkeys(s for statuses in STATUSES.values() for s in statuses))
OPEN_STATUSES = tuple(s for s in ALL_STATUSES if s not in TERMINAL)

# Supervisors (班长) stand in for any seat and admins can do everything; cancelling is theirs alone.
_LEADS = frozenset({"supervisor", "admin"})
ACTION_ROLES: dict[str, frozenset[str]] = {
    action: frozenset(roles) | _LEADS
    for action, roles in {
        "answer": ("intake",),
        "dispatch": ("dispatcher",),
        "accept": ("dispatcher",),
        "refuse": ("dispatcher",),
        "confirm_contact": ("visitor",),
        "recheck_contact": ("visitor",),
        "redispatch": ("visitor", "dispatcher"),
        "final_visit": ("visitor",),
        "order_measure": ("dispatcher", "area_manager"),
        "accept_measure": ("visitor",),
        "reject_measure": ("visitor",),
        "complete_measure": ("dispatcher", "visitor", "area_manager"),
        "close_satisfied": ("visitor",),
        "return_unsatisfied": ("visitor",),
        "forward": ("dispatcher",),
        "record_reply": ("dispatcher", "area_manager"),
        "inform_suggester": ("visitor",),
        "cancel": (),
        "comment": ROLES,
    }.items()
}
ACTIONS = tuple(ACTION_ROLES)
OPEN_ROLES = frozenset(ROLES)  # anybody with a role may open a ticket

# (type, from statuses, action, to status); cancel and comment are added for every type below
_FLOWS: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    ("consultation", (NEW,), "answer", CLOSED),
    ("service", (NEW,), "dispatch", "dispatched"),
    ("service", ("dispatched",), "accept", "accepted"),
    ("service", ("dispatched",), "refuse", NEW),
    ("service", ("accepted",), "confirm_contact", "in_service"),
    ("service", ("accepted",), "recheck_contact", "accepted"),
    ("service", ("accepted", "in_service"), "redispatch", NEW),
    ("service", ("accepted", "in_service"), "final_visit", CLOSED),
    ("complaint", (NEW,), "order_measure", "measure_ordered"),
    ("complaint", ("measure_ordered",), "accept_measure", "measure_accepted"),
    ("complaint", ("measure_ordered",), "reject_measure", NEW),
    ("complaint", ("measure_accepted",), "complete_measure", "measure_done"),
    ("complaint", ("measure_done",), "close_satisfied", CLOSED),
    ("complaint", ("measure_done",), "return_unsatisfied", NEW),
    ("suggestion", (NEW,), "forward", "forwarded"),
    ("suggestion", (NEW, "forwarded"), "record_reply", "replied"),
    ("suggestion", ("replied",), "inform_suggester", CLOSED),
)


@dataclass(frozen=True)
class Transition:
    """One row of the table: a ticket of `type` in `source` moves to `target` by `action`."""

    type: str
    source: str
    action: str
    target: str
    roles: frozenset[str]


def _build() -> dict[tuple[str, str, str], Transition]:
    table: dict[tuple[str, str, str], Transition] = {}
    for kind, sources, action, target in _FLOWS:
        for source in sources:
            table[(kind, source, action)] = Transition(kind, source, action, target, ACTION_ROLES[action])
    for kind, statuses in STATUSES.items():
        for status in statuses:
            if status not in TERMINAL:
                table[(kind, status, "cancel")] = Transition(
                    kind, status, "cancel", CANCELLED, ACTION_ROLES["cancel"]
                )
            table[(kind, status, "comment")] = Transition(
                kind, status, "comment", status, ACTION_ROLES["comment"]
            )
    return table


TRANSITIONS: dict[tuple[str, str, str], Transition] = _build()


def actions_for(ticket_type: str, status: str) -> list[str]:
    """The actions the table allows on a ticket of this type in this status, whoever asks."""
    return [action for action in ACTIONS if (ticket_type, status, action) in TRANSITIONS]


def actor_name(actor: User | None) -> str:
    """The timeline's label for an actor: the user's display name, or "system"."""
    if actor is None:
        return "system"
    return (actor.display_name or actor.username)[:64]


def roles_of(actor: User | None) -> frozenset[str]:
    """The roles an actor acts with: None is the system itself (every role); an inactive user has none."""
    if actor is None:
        return frozenset(ROLES)
    return actor.roles if actor.active else frozenset()


def may(actor: User | None, action: str) -> bool:
    """Whether the actor's roles allow `action` at all (the status is not considered)."""
    roles = OPEN_ROLES if action == "open" else ACTION_ROLES.get(action, frozenset())
    return bool(roles & roles_of(actor))


def available_actions(ticket: Ticket, actor: User | None) -> list[str]:
    """The actions this actor may perform on this ticket now (what the console offers as buttons)."""
    return [action for action in actions_for(ticket.type, ticket.status) if may(actor, action)]


def check(ticket: Ticket, action: str, actor: User | None) -> Transition:
    """The transition `action` makes on `ticket`; raises UnknownAction, IllegalTransition or NotAllowed."""
    if action not in ACTION_ROLES:
        raise UnknownAction(action)
    found = TRANSITIONS.get((ticket.type, ticket.status, action))
    if found is None:
        allowed = actions_for(ticket.type, ticket.status)
        raise IllegalTransition(ticket.number, ticket.type, ticket.status, action, allowed)
    if not may(actor, action):
        raise NotAllowed(actor_name(actor), action, sorted(found.roles))
    return found


def check_open(actor: User | None) -> None:
    """Raise NotAllowed unless the actor may open tickets."""
    if not may(actor, "open"):
        raise NotAllowed(actor_name(actor), "open", sorted(OPEN_ROLES))
