"""Ticket numbers: yyyymmdd-NNNN of the center's local day, consecutive under concurrency, wider past
9999 a day, readable by the IVR."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from hotline.db.service_models import TicketCounter
from hotline.db.session import Database
from hotline.services.tickets import normalise_ticket_number
from hotline.tickets.numbering import claim_number, format_number, next_number, number_sort_key, parse_number
from hotline.tickets.opening import open_ticket
from hotline.tickets.search import TicketQuery, search_tickets
from tests.unit.ticketdata import T0, build_world, draft


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("202611200001", "20261120-0001"),
        ("20261120-0001", "20261120-0001"),
        (" 20261120-7 ", "20261120-0007"),
        ("20261120-10000", "20261120-10000"),
        ("2026112010000", "20261120-10000"),
        ("2026112000012", None),  # keyed: a wide serial never starts with 0
        ("20261120123", None),
        ("20261120-0000", None),
        ("20261320-0001", None),
        ("2026-11-20-1", None),
        ("", None),
    ],
)
def test_typed_numbers_are_parsed_to_their_canonical_form(typed: str, number: str | None) -> None:
    assert parse_number(typed) == number


def test_serials_past_9999_widen_and_still_sort_in_order() -> None:
    numbers = [format_number(date(2026, 11, 20), n) for n in (1, 999, 9999, 10000, 123456)]
    assert numbers == ["20261120-0001", "20261120-0999", "20261120-9999", "20261120-10000", "20261120-123456"]
    assert sorted(reversed(numbers), key=number_sort_key) == numbers
    assert number_sort_key("20261121-0001") > number_sort_key("20261120-123456")


def test_numbers_follow_the_centers_local_day(database: Database) -> None:
    evening_utc = datetime(2026, 11, 20, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    with database.session() as session:
        assert next_number(session, evening_utc) == "20261120-0001"
        assert next_number(session, evening_utc + timedelta(minutes=1)) == "20261121-0001"
        assert next_number(session, evening_utc + timedelta(minutes=2)) == "20261121-0002"
        assert next_number(session, evening_utc, tz="UTC") == "20261120-0002"
        assert next_number(session, evening_utc + timedelta(days=1)) == "20261121-0003"
        assert next_number(session, evening_utc + timedelta(days=1, minutes=1)) == "20261122-0001"


def test_the_time_zone_comes_from_the_settings(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_TIMEZONE", "America/New_York")
    with database.session() as session:
        assert next_number(session, datetime(2026, 11, 20, 3, 0, tzinfo=UTC)) == "20261119-0001"


def test_the_ivr_reads_back_the_numbers_tickets_get(database: Database) -> None:
    world = build_world(database)
    with database.session() as session:
        ticket = open_ticket(session, draft(world), None, now=T0)
        keyed = ticket.number.replace("-", "")
        assert (ticket.number, normalise_ticket_number(keyed)) == ("20261120-0001", "20261120-0001")


def test_past_9999_a_day_tickets_get_wider_numbers(database: Database) -> None:
    world = build_world(database)
    with database.session() as session:
        session.add(TicketCounter(day="20261120", last=9998))
    with database.session() as session:
        numbers = [open_ticket(session, draft(world), None, now=T0).number for _ in range(2)]
    assert numbers == ["20261120-9999", "20261120-10000"]
    assert normalise_ticket_number("202611209999") == "20261120-9999"
    with database.session() as session:
        (found,) = search_tickets(session, TicketQuery(number="2026112010000")).items
        assert found.number == "20261120-10000"


def test_a_rolled_back_ticket_gives_its_number_back(database: Database) -> None:
    with pytest.raises(RuntimeError), database.session() as session:
        assert next_number(session, T0) == "20261120-0001"
        raise RuntimeError("the agent's form failed")
    with database.session() as session:
        assert next_number(session, T0) == "20261120-0001"


def test_a_claimed_number_moves_the_counter_past_it_never_back(database: Database) -> None:
    with database.session() as session:
        assert claim_number(session, "202611200042") == "20261120-0042"
        claim_number(session, "20261120-0007")
        assert next_number(session, T0) == "20261120-0043"
        with pytest.raises(ValueError, match="not a ticket number"):
            claim_number(session, "tomorrow")


def test_two_sessions_numbering_at_once_wait_for_each_other(database: Database) -> None:
    got: list[str] = []
    first = database.sessions()
    try:
        assert next_number(first, T0) == "20261120-0001"  # its transaction holds the day's counter

        def other() -> None:
            with database.session() as session:
                got.append(next_number(session, T0))

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive() and got == [], "the second session waits for the first to end"
        first.commit()
        thread.join(10)
    finally:
        first.close()
    assert got == ["20261120-0002"]


def test_concurrent_openings_get_distinct_consecutive_numbers(database: Database) -> None:
    got: list[str] = []
    lock = threading.Lock()

    def agent() -> None:
        for _ in range(10):
            with database.session() as session:
                number = next_number(session, T0)
            with lock:
                got.append(number)

    threads = [threading.Thread(target=agent) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(got) == [f"20261120-{n:04d}" for n in range(1, 41)]
    with database.session() as session:
        assert session.scalar(select(TicketCounter.last).where(TicketCounter.day == "20261120")) == 40
