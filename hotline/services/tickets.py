"""Tickets as the IVR sees them: a caller keys a ticket number and hears its status."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db.service_models import Ticket

_KEYED = re.compile(r"^([0-9]{8})-?([0-9]{4})$")


def normalise_ticket_number(digits: str) -> str | None:
    """The ticket number of keyed digits ("202611200001" -> "20261120-0001"); None if not one."""
    match = _KEYED.match(digits.strip())
    if match is None:
        return None
    day, serial = match.groups()
    try:
        date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        return None
    return f"{day}-{serial}"


def ticket_status(session: Session, number: str) -> tuple[str, str, datetime] | None:
    """(number, status, last change) of ticket `number`, or None if there is no such ticket."""
    row = session.execute(
        select(Ticket.number, Ticket.status, Ticket.updated_at).where(Ticket.number == number)
    ).first()
    return None if row is None else (row.number, row.status, row.updated_at)
