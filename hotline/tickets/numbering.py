"""Human-readable ticket numbers, <yyyymmdd>-<serial>: the center's local day and that day's serial from
ticket_counters, at least four digits (20261120-0001 ... 20261120-9999, then 20261120-10000).

The serial comes from one INSERT ... ON CONFLICT DO UPDATE ... RETURNING on the day's counter row
(PostgreSQL and SQLite alike): the row stays locked until the opening transaction ends, so two agents
opening tickets at once get consecutive numbers, and a rolled-back ticket gives its number back.
Past 9999 a day the serial simply gets wider; text order then no longer follows the serial, so lists
sort by creation time (and `number_sort_key` sorts numbers themselves)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, case
from sqlalchemy.orm import Session

from hotline.db.service_models import TicketCounter
from hotline.tickets.timing import local_day, now_utc
from hotline.tickets.upsert import insert_for

MIN_WIDTH = 4
MAX_SERIAL = 9_999_999  # the number column holds 16 characters: 8 + 1 + 7
_NUMBER = re.compile(r"^([0-9]{8})-?([0-9]{1,7})$")


def format_number(day: date, serial: int) -> str:
    """20261120-0001; serials past 9999 take as many digits as they need."""
    return f"{day:%Y%m%d}-{serial:0{MIN_WIDTH}d}"


def parse_number(text: str) -> str | None:
    """A ticket number as typed or keyed ("202611200001", "20261120-1", " 20261120-10000 ") in its
    canonical form, or None if it cannot be one."""
    match = _NUMBER.match(text.strip())
    if match is None:
        return None
    day, serial = match.groups()
    if "-" not in text and (len(serial) < MIN_WIDTH or (len(serial) > MIN_WIDTH and serial[0] == "0")):
        return None  # keyed digits: exactly four, or a wider serial (which never starts with 0)
    try:
        parsed = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        return None
    return format_number(parsed, int(serial)) if int(serial) > 0 else None


def number_sort_key(number: str) -> tuple[str, int]:
    """(day, serial): sorts numbers in the order they were handed out, also past 9999 a day."""
    day, _, serial = number.partition("-")
    return day, int(serial or 0)


def _upsert(session: Session, day: str, initial: int, on_conflict: ColumnElement[Any]) -> int:
    """Insert the day's counter at `initial`, or set it to `on_conflict`; returns the stored value."""
    stmt = insert_for(session, TicketCounter).values(day=day, last=initial)
    upsert = stmt.on_conflict_do_update(index_elements=["day"], set_={"last": on_conflict})
    last: int = session.execute(upsert.returning(TicketCounter.last)).scalar_one()
    return last


def next_number(session: Session, at: datetime | None = None, *, tz: str | None = None) -> str:
    """The next ticket number of the center's local day of `at` (default: now)."""
    day = local_day(now_utc(at), tz)
    serial = _upsert(session, f"{day:%Y%m%d}", 1, TicketCounter.last + 1)
    if serial > MAX_SERIAL:
        raise RuntimeError(f"day {day}: more than {MAX_SERIAL} tickets")
    return format_number(day, serial)


def claim_number(session: Session, number: str) -> str:
    """Keep a given number (imports, the demo): its day's counter moves past it. Returns it canonical."""
    canonical = parse_number(number)
    if canonical is None:
        raise ValueError(f"{number!r} is not a ticket number")
    day, serial = number_sort_key(canonical)
    _upsert(session, day, serial, case((TicketCounter.last < serial, serial), else_=TicketCounter.last))
    return canonical
