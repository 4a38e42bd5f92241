"""Ticket search: every filter, local-day date ranges, pages, and only index-friendly SQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hotline.db.service_models import Ticket
from hotline.db.session import Database
from hotline.tickets.errors import ValidationFailed
from hotline.tickets.members import get_or_create_member
from hotline.tickets.opening import open_ticket
from hotline.tickets.search import TicketQuery, search_tickets, ticket_conditions, timeline
from tests.unit.ticketdata import T0, World, build_world, draft, step, ticket_at


@pytest.fixture
def world(database: Database) -> World:
    """Tickets over three local days (T0 is 2026-11-20 10:00 in Shanghai)."""
    made = build_world(database)
    with database.session() as session:
        other, _ = get_or_create_member(session, "075526880001", name="郑女士")
        ticket_at(session, made, "service", "accepted", at=T0)  # 20261120-0001, nanny_a
        ticket_at(session, made, "complaint", "new", at=T0 + timedelta(minutes=5))  # 20261120-0002
        late = T0 + timedelta(hours=13, minutes=59)  # 23:59 local, still the 20th
        open_ticket(session, draft(made, "suggestion", member_id=other.id), None, now=late)  # 20261120-0003
        next_day = T0 + timedelta(hours=14)  # 00:00 on the 21st
        urgent = open_ticket(
            session, draft(made, urgency="critical", county_id=made.counties["luohu"]), None, now=next_day
        )  # 20261121-0001
        step(session, urgent, "cancel", made, next_day + timedelta(minutes=1))
        open_ticket(session, draft(made, "consultation", answer="..."), None, now=T0 + timedelta(days=2))
    return made


def numbers(database: Database, query: TicketQuery, **kw: object) -> list[str]:
    with database.session() as session:
        page = search_tickets(session, query, **kw)  # type: ignore[arg-type]
        return [t.number for t in page.items]


ALL = ["20261122-0001", "20261121-0001", "20261120-0003", "20261120-0002", "20261120-0001"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (TicketQuery(), ALL),
        (TicketQuery(number="20261120-0002"), ["20261120-0002"]),
        (TicketQuery(number="202611200002"), ["20261120-0002"]),
        (TicketQuery(number="20261120-2"), ["20261120-0002"]),
        (TicketQuery(number="20261120"), ["20261120-0003", "20261120-0002", "20261120-0001"]),
        (TicketQuery(number="20261131"), []),
        (TicketQuery(number="%0001"), []),
        (TicketQuery(phone="+86 (755) 2688-0001"), ["20261120-0003"]),
        (TicketQuery(phone="13900000000"), []),
        (TicketQuery(phone="anonymous"), []),
        (TicketQuery(statuses=("new", "accepted")), ["20261120-0003", "20261120-0002", "20261120-0001"]),
        (TicketQuery(type="complaint"), ["20261120-0002"]),
        (TicketQuery(urgency="critical"), ["20261121-0001"]),
        (TicketQuery(county_id=-1), []),
        (TicketQuery(created_from=date(2026, 11, 21)), ["20261122-0001", "20261121-0001"]),
        (TicketQuery(created_to=date(2026, 11, 20)), ["20261120-0003", "20261120-0002", "20261120-0001"]),
        (TicketQuery(created_from=date(2026, 11, 21), created_to=date(2026, 11, 21)), ["20261121-0001"]),
        (TicketQuery(open_only=True), ["20261120-0003", "20261120-0002", "20261120-0001"]),
        (TicketQuery(open_only=True, statuses=("cancelled", "new")), ["20261120-0003", "20261120-0002"]),
    ],
)
def test_each_filter_narrows_the_search(
    query: TicketQuery, expected: list[str], world: World, database: Database
) -> None:
    assert numbers(database, query) == expected


def test_filters_by_ids_and_combined(world: World, database: Database) -> None:
    futian, luohu = world.counties["futian"], world.counties["luohu"]
    assert numbers(database, TicketQuery(county_id=luohu)) == ["20261121-0001"]
    assert numbers(database, TicketQuery(merchant_id=world.merchants["nanny_a"])) == ["20261120-0001"]
    assert numbers(database, TicketQuery(member_id=world.member, county_id=futian, type="service")) == [
        "20261120-0001"
    ]
    assert numbers(database, TicketQuery(phone="13800138001", statuses=("closed",))) == ["20261122-0001"]


def test_overdue_tickets_are_open_and_past_their_due_date(world: World, database: Database) -> None:
    # service normal: due after 72 h; complaint: 72 h; suggestion: 7 days
    assert numbers(database, TicketQuery(overdue=True), now=T0 + timedelta(hours=72, minutes=2)) == [
        "20261120-0001"
    ]
    later = T0 + timedelta(hours=72, minutes=6)
    assert numbers(database, TicketQuery(overdue=True), now=later) == ["20261120-0002", "20261120-0001"]


def test_pages_and_totals(world: World, database: Database) -> None:
    with database.session() as session:
        first = search_tickets(session, TicketQuery(), per_page=2, with_total=True)
        assert ([t.number for t in first.items], first.has_next, first.total, first.pages) == (
            ALL[:2],
            True,
            5,
            3,
        )
        last = search_tickets(session, TicketQuery(), page=3, per_page=2)
        assert ([t.number for t in last.items], last.has_next, last.total, last.pages) == (
            ALL[4:],
            False,
            None,
            None,
        )
        assert search_tickets(session, TicketQuery(phone="nobody"), with_total=True).total == 0
        clamped = search_tickets(session, TicketQuery(), page=0, per_page=10_000)
        assert (clamped.page, clamped.per_page) == (1, 200)


def test_unknown_filter_values_are_refused(world: World, database: Database) -> None:
    with database.session() as session, pytest.raises(ValidationFailed) as caught:
        search_tickets(session, TicketQuery(type="praise", statuses=("new", "lost"), urgency="asap"))
    assert set(caught.value.errors) == {"type", "statuses", "urgency"}


def test_the_search_sql_uses_equalities_and_ranges_only(world: World, database: Database) -> None:
    query = TicketQuery(
        number="20261120",
        phone="13800138001",
        statuses=("new",),
        type="service",
        urgency="normal",
        county_id=1,
        merchant_id=1,
        created_from=date(2026, 11, 1),
        created_to=date(2026, 11, 30),
        overdue=True,
    )
    with database.session() as session:
        conditions = ticket_conditions(session, query)
        assert conditions is not None
        sql = str(select(Ticket).where(*conditions).compile(session.get_bind())).upper()
    assert "LIKE" not in sql and "LOWER" not in sql and " OR " not in sql


def test_the_timeline_is_oldest_first(world: World, database: Database) -> None:
    with database.session() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == "20261120-0001")).one()
        assert [e.action for e in timeline(session, ticket.id)] == ["open", "dispatch", "accept"]
