"""The ticket workflow as a table: every legal transition, every illegal (type, status, action), role
refusals, the actions offered, the labels. The full loops are in test_ticket_loops.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.db.console_models import ROLES, User, UserRole
from hotline.db.service_models import Ticket, TicketEvent
from hotline.db.session import Database
from hotline.tickets import labels, workflow
from hotline.tickets.actions import apply, apply_fields, load_ticket
from hotline.tickets.errors import IllegalTransition, NotAllowed, UnknownAction
from hotline.tickets.opening import open_ticket
from hotline.tickets.search import timeline
from tests.unit.ticketdata import (
    NOTES,
    PATHS,
    T0,
    World,
    build_world,
    draft,
    fields_for,
    ticket_at,
    user,
)

LEGAL = sorted(workflow.TRANSITIONS)
ILLEGAL = sorted(
    (kind, status, action)
    for kind, statuses in workflow.STATUSES.items()
    for status in statuses
    for action in workflow.ACTIONS
    if (kind, status, action) not in workflow.TRANSITIONS
)
REFUSED_ROLES = sorted(
    (action, role)
    for action in workflow.ACTIONS
    for role in ROLES
    if role not in workflow.ACTION_ROLES[action]
)


@pytest.fixture
def world(database: Database) -> World:
    return build_world(database)


def transient(kind: str, status: str) -> Ticket:
    return Ticket(number="20261120-0001", type=kind, status=status)


def test_the_table_covers_every_status_and_only_known_names() -> None:
    assert len(LEGAL) == 52 and len(ILLEGAL) == 20 * len(workflow.ACTIONS) - 52
    for kind, status, action in LEGAL:
        target = workflow.TRANSITIONS[(kind, status, action)].target
        assert {status, target} <= set(workflow.STATUSES[kind])
    for kind, statuses in workflow.STATUSES.items():
        assert set(PATHS[kind]) == set(statuses), "every status is reachable from new"
        for status in statuses:
            assert "comment" in workflow.actions_for(kind, status)
            assert ("cancel" in workflow.actions_for(kind, status)) == (status not in workflow.TERMINAL)


def test_every_status_action_type_and_role_has_both_labels() -> None:
    for table, keys in (
        (labels.STATUS_LABELS, workflow.ALL_STATUSES),
        (labels.ACTION_LABELS, (*workflow.ACTIONS, "open")),
        (labels.TYPE_LABELS, workflow.TYPES),
        (labels.ROLE_LABELS, ROLES),
    ):
        for key in keys:
            zh, en = table[key]
            assert zh and en and zh != en, key
    assert labels.status_label("new", "en") == "To dispatch"
    assert labels.status_label("new", "zh", "consultation") == "待答复"
    assert labels.action_label("redispatch", "en") == "Merchant cannot serve, re-dispatch"
    assert labels.pick(labels.STATUS_LABELS, "no_such_status") == "no_such_status"


@pytest.mark.parametrize(("kind", "status", "action"), ILLEGAL)
def test_an_illegal_action_is_refused_with_the_allowed_ones(kind: str, status: str, action: str) -> None:
    with pytest.raises(IllegalTransition) as caught:
        workflow.check(transient(kind, status), action, None)
    error = caught.value
    assert (error.status_code, error.error_id) == (409, "illegal-transition")
    assert error.to_dict() == {
        "error": "illegal-transition",
        "message": error.message,
        "number": "20261120-0001",
        "type": kind,
        "status": status,
        "action": action,
        "allowed": workflow.actions_for(kind, status),
    }
    assert f"ticket 20261120-0001 ({kind}) is {status}: {action} is not possible" in error.message


@pytest.mark.parametrize(("action", "role"), REFUSED_ROLES)
def test_a_role_without_the_action_is_refused(action: str, role: str) -> None:
    kind, status, _ = next(key for key in LEGAL if key[2] == action)
    agent = User(username=role, display_name=f"{role} agent", active=True, role_rows=[UserRole(role=role)])
    assert not workflow.may(agent, action)
    with pytest.raises(NotAllowed) as caught:
        workflow.check(transient(kind, status), action, agent)
    assert (caught.value.status_code, caught.value.error_id) == (403, "not-allowed")
    assert caught.value.details == {
        "user": f"{role} agent",
        "action": action,
        "roles": sorted(workflow.ACTION_ROLES[action]),
    }


def test_unknown_actions_and_inactive_or_roleless_users(world: World, database: Database) -> None:
    with database.session() as session:
        ticket = ticket_at(session, world, "service", "new")
        with pytest.raises(UnknownAction) as caught:
            apply(session, ticket, "teleport", user(session, "admin"))
        assert (caught.value.status_code, caught.value.error_id) == (422, "unknown-action")
        for name in ("inactive", "nobody"):
            with pytest.raises(NotAllowed):
                apply(
                    session, ticket, "dispatch", user(session, name), merchant_id=world.merchants["nanny_a"]
                )
            assert workflow.available_actions(ticket, user(session, name)) == []
        with pytest.raises(NotAllowed, match="nobody agent may not open"):
            open_ticket(session, draft(world), user(session, "nobody"))
        assert (ticket.status, len(ticket.events)) == ("new", 1)


def test_actions_offered_follow_status_and_roles(world: World, database: Database) -> None:
    with database.session() as session:
        ticket = ticket_at(session, world, "service", "accepted")
        offered = {name: workflow.available_actions(ticket, user(session, name)) for name in ROLES}
    assert offered == {
        "intake": ["comment"],
        "dispatcher": ["redispatch", "comment"],
        "visitor": ["confirm_contact", "recheck_contact", "redispatch", "final_visit", "comment"],
        "supervisor": [
            "confirm_contact",
            "recheck_contact",
            "redispatch",
            "final_visit",
            "cancel",
            "comment",
        ],
        "area_manager": ["comment"],
        "admin": ["confirm_contact", "recheck_contact", "redispatch", "final_visit", "cancel", "comment"],
    }


@pytest.mark.parametrize(("kind", "status", "action"), LEGAL)
def test_every_legal_transition_moves_and_is_recorded(
    kind: str, status: str, action: str, database: Database
) -> None:
    world = build_world(database)
    transition = workflow.TRANSITIONS[(kind, status, action)]
    role = sorted(transition.roles - {"supervisor", "admin"} or transition.roles)[0]
    at = T0 + timedelta(hours=2)
    with database.session() as session:
        ticket = ticket_at(session, world, kind, status)
        version, events = ticket.version, len(ticket.events)
        actor = user(session, role)
        event = apply_fields(
            session, ticket, action, actor, fields_for(action, world), note=NOTES.get(action), now=at
        )
        assert (event.from_status, event.to_status, event.action) == (status, transition.target, action)
        assert (event.actor_id, event.actor, event.at) == (actor.id, f"{role} agent", at)
    with database.session() as session:
        ticket = load_ticket(session, ticket.id)
        assert ticket.status == transition.target and ticket.updated_at == at and ticket.version > version
        assert ticket.closed_at == (at if transition.target in workflow.TERMINAL else None)
        assert [e.action for e in timeline(session, ticket.id)][events:] == [action]


def test_illegal_actions_change_nothing_in_the_database(world: World, database: Database) -> None:
    with database.session() as session:
        tickets = {
            (kind, status): ticket_at(session, world, kind, status)
            for kind, statuses in PATHS.items()
            for status in statuses
        }
        before = session.scalar(select(func.count()).select_from(TicketEvent))
        for kind, status, action in ILLEGAL:
            ticket = tickets[(kind, status)]
            with pytest.raises(IllegalTransition):
                apply_fields(session, ticket, action, None, fields_for(action, world), note="x")
            assert ticket.status == status
        assert session.scalar(select(func.count()).select_from(TicketEvent)) == before
        foreign = tickets[("consultation", "new")]
        foreign.status = "dispatched"  # a status of another type's workflow
        with pytest.raises(IllegalTransition, match="possible: none"):
            apply(session, foreign, "accept", None)
