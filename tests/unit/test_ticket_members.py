"""Members: one per normalised phone, also when two sessions create the same one at once; editing;
their history of tickets and calls."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.db.models import Call, Member
from hotline.db.session import Database
from hotline.tickets.errors import DuplicatePhone, NotFound, ValidationFailed
from hotline.tickets.members import find_member, get_or_create_member, member_history, update_member
from hotline.tickets.opening import open_ticket
from tests.unit.ticketdata import T0, World, build_world, draft


@pytest.fixture
def world(database: Database) -> World:
    return build_world(database)


def count_members(database: Database) -> int:
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(Member)) or 0)


def test_any_spelling_of_a_phone_finds_the_same_member(world: World, database: Database) -> None:
    with database.session() as session:
        for spelling in ("+86 138-0013-8001", "008613800138001", "8613800138001", " 138 0013 8001 "):
            member, created = get_or_create_member(session, spelling, name="别人")
            assert (member.id, created, member.name) == (world.member, False, "周女士")
        fixed, created = get_or_create_member(session, "(0755) 2688-0001", name=" 郑女士 ", source="call")
        assert (fixed.phone, fixed.name, fixed.source, created) == ("075526880001", "郑女士", "call", True)
        assert find_member(session, "+86 755 26880001") is fixed
        assert find_member(session, "anonymous") is None
    assert count_members(database) == 2


@pytest.mark.parametrize("phone", ["", "anonymous", "12345", "10109366", "not a number", "1380013800"])
def test_a_member_needs_a_number_to_call_back(phone: str, world: World, database: Database) -> None:
    with database.session() as session, pytest.raises(ValidationFailed) as caught:
        get_or_create_member(session, phone)
    assert list(caught.value.errors) == ["phone"]


def test_new_member_fields_are_checked(world: World, database: Database) -> None:
    with database.session() as session, pytest.raises(ValidationFailed) as caught:
        get_or_create_member(session, "13900139000", name="x" * 65, county_id=999, source="fax")
    assert caught.value.errors == {
        "name": "has 65 characters, at most 64 are allowed",
        "county_id": "there is no county 999",
        "source": "must be one of call, web, console",
    }


def test_two_sessions_creating_the_same_member_at_once_make_one(world: World, database: Database) -> None:
    results: list[tuple[int, bool]] = []
    first = database.sessions()
    try:
        mine, created = get_or_create_member(first, "13900139000", name="先到")
        assert created

        def other() -> None:
            with database.session() as session:
                member, made = get_or_create_member(session, "+86 139 0013 9000", name="后到")
                results.append((member.id, made))

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive(), "the second insert waits for the first transaction"
        first.commit()
        thread.join(10)
        assert results == [(mine.id, False)]
    finally:
        first.close()
    assert count_members(database) == 2


def test_members_are_edited_and_keep_their_phone_unique(world: World, database: Database) -> None:
    with database.session() as session:
        other, _ = get_or_create_member(session, "13900139000")
        member = update_member(
            session,
            world.member,
            name="周丽",
            address="福田区华强北路1号",
            county_id=world.counties["futian"],
        )
        assert (member.name, member.county_id) == ("周丽", world.counties["futian"])
        update_member(session, world.member, phone="+86 138 0013 8009", notes="喜欢下午联系")
        assert (member.phone, member.notes) == ("13800138009", "喜欢下午联系")
        with pytest.raises(DuplicatePhone) as caught:
            update_member(session, world.member, phone="139-0013-9000")
        assert (caught.value.status_code, caught.value.error_id) == (409, "duplicate-phone")
        assert caught.value.details == {"phone": "13900139000", "member_id": other.id}
        with pytest.raises(ValidationFailed) as bad:
            update_member(session, world.member, name="", phone="12", created_at=None, county_id="futian")
        assert set(bad.value.errors) == {"name", "phone", "created_at", "county_id"}
        with pytest.raises(NotFound, match="no member 999"):
            update_member(session, 999, name="x")


def test_a_members_history_has_their_tickets_and_calls_newest_first(world: World, database: Database) -> None:
    with database.session() as session:
        for i, caller in enumerate(("+8613800138001", "13800138001", "13900139000")):
            session.add(
                Call(
                    uid=f"{i:032x}",
                    caller_number=caller,
                    dialed_number="10109366",
                    via="ari",
                    entered_at=T0 + timedelta(hours=i),
                )
            )
        session.flush()
        first = open_ticket(session, draft(world), None, now=T0)
        second = open_ticket(session, draft(world, "complaint"), None, now=T0 + timedelta(days=1))
        history = member_history(session, world.member)
        assert [t.number for t in history.tickets] == [second.number, first.number]
        assert [c.caller_number for c in history.calls] == ["13800138001", "+8613800138001"]
        assert len(member_history(session, world.member, limit=1).tickets) == 1
        with pytest.raises(NotFound):
            member_history(session, 999)
