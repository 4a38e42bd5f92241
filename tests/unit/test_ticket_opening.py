"""Opening tickets: from a call (what the IVR learnt prefills it), blank, validated; due dates by type
and urgency; whoever calls once becomes a member."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.db.models import Call, Member
from hotline.db.session import Database
from hotline.tickets.errors import NotFound, ValidationFailed
from hotline.tickets.opening import TicketDraft, draft_from_call, open_ticket
from hotline.tickets.timing import DUE_AFTER, URGENCIES
from hotline.tickets.workflow import TYPES
from tests.unit.ticketdata import T0, World, build_world, draft, user


@pytest.fixture
def world(database: Database) -> World:
    return build_world(database)


def add_call(database: Database, world: World, caller: str, **fields: object) -> int:
    with database.session() as session:
        call = Call(
            uid=f"{len(caller):032x}",
            caller_number=caller,
            dialed_number="10109366",
            via="ari",
            county_id=world.counties["futian"],
            **fields,
        )
        session.add(call)
        session.flush()
        return call.id


def test_a_call_of_a_member_prefills_the_ticket(world: World, database: Database) -> None:
    call_id = add_call(database, world, "+8613800138001", category_code="family.nanny", urgency="urgent")
    with database.session() as session:
        member = session.get(Member, world.member)
        assert member is not None
        member.address = "福田区华强北路1号"
        assert draft_from_call(session, call_id) == TicketDraft(
            type="service",
            urgency="urgent",
            county_id=world.counties["futian"],
            member_id=world.member,
            category_code="family.nanny",
            call_id=call_id,
            source="phone",
            contact_name="周女士",
            contact_phone="13800138001",
            address="福田区华强北路1号",
        )
        with pytest.raises(NotFound, match="no call 999"):
            draft_from_call(session, 999)


def test_a_complaint_chosen_in_the_ivr_opens_a_complaint(world: World, database: Database) -> None:
    call_id = add_call(database, world, "13800138001", category_code="complaint", urgency="bogus")
    with database.session() as session:
        prefilled = draft_from_call(session, call_id)
        assert (prefilled.type, prefilled.category_code, prefilled.urgency) == ("complaint", None, "normal")


def test_a_first_time_caller_becomes_a_member_and_the_call_joins_their_history(
    world: World, database: Database
) -> None:
    call_id = add_call(database, world, "0086 139 0013 9000")
    with database.session() as session:
        prefilled = draft_from_call(session, call_id)
        assert (prefilled.member_id, prefilled.contact_phone) == (None, "13900139000")
        filled = dataclasses.replace(prefilled, summary="找保姆", contact_name="吴先生", address="福田区")
        ticket = open_ticket(session, filled, user(session, "intake"), now=T0)
        member = session.scalars(select(Member).where(Member.phone == "13900139000")).one()
        assert (member.name, member.source, member.county_id) == ("吴先生", "call", world.counties["futian"])
        assert (ticket.member_id, ticket.call_id, ticket.contact_phone) == (member.id, call_id, "13900139000")
        assert session.get(Call, call_id).member_id == member.id  # type: ignore[union-attr]


def test_a_withheld_caller_gets_a_ticket_without_a_member(world: World, database: Database) -> None:
    call_id = add_call(database, world, "anonymous")
    with database.session() as session:
        prefilled = draft_from_call(session, call_id)
        ticket = open_ticket(session, dataclasses.replace(prefilled, summary="咨询"), None)
        assert (ticket.member_id, ticket.contact_phone) == (None, None)


@pytest.mark.parametrize("kind", TYPES)
@pytest.mark.parametrize("urgency", URGENCIES)
def test_due_dates_follow_type_and_urgency(kind: str, urgency: str) -> None:
    assert DUE_AFTER[kind][urgency] > timedelta(0)
    if urgency != "normal":
        assert DUE_AFTER[kind][urgency] < DUE_AFTER[kind]["normal"]


def test_an_opened_ticket_has_its_due_date_creator_and_timeline(world: World, database: Database) -> None:
    with database.session() as session:
        intake = user(session, "intake")
        ticket = open_ticket(session, draft(world, urgency="critical"), intake, now=T0, note="会员很着急")
        assert (ticket.number, ticket.status, ticket.due_at) == (
            "20261120-0001",
            "new",
            T0 + timedelta(hours=4),
        )
        assert (ticket.created_by_id, ticket.created_at, ticket.updated_at, ticket.source) == (
            intake.id,
            T0,
            T0,
            "phone",
        )
        (opened,) = ticket.events
        assert (opened.action, opened.from_status, opened.to_status, opened.note) == (
            "open",
            None,
            "new",
            "会员很着急",
        )
        assert opened.data == {"source": "phone", "urgency": "critical"}


def test_a_bad_draft_lists_every_wrong_field(world: World, database: Database) -> None:
    bad = TicketDraft(
        type="praise",
        summary=" ",
        urgency="asap",
        source="fax",
        county_id=999,
        member_id=999,
        call_id=999,
        category_code="family.pets",
        contact_phone="12",
        answer="答复",
    )
    with database.session() as session, pytest.raises(ValidationFailed) as caught:
        open_ticket(session, bad, None, note="x" * 5000)
    assert set(caught.value.errors) == {
        "type",
        "summary",
        "urgency",
        "source",
        "county_id",
        "member_id",
        "call_id",
        "category_code",
        "contact_phone",
        "answer",
        "note",
    }
    assert caught.value.errors["answer"] == "only a consultation is answered when it is opened"
