"""What the home page shows, read from the database and the network; plain rows for the templates."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo

from sqlalchemy import literal, select
from sqlalchemy.orm import Session, selectinload

from hotline.db.models import Agent, Call
from hotline.db.session import Database
from hotline.settings import Settings

logger = logging.getLogger(__name__)

RECENT_CALLS = 20
PROBE_TIMEOUT = 0.5
RECORDING_OK = "ok"


@dataclass(frozen=True)
class AgentRow:
    name: str
    display_name: str
    endpoint: str
    logged_in: bool


@dataclass(frozen=True)
class CallRow:
    entered: str  # local time of the center
    caller: str
    dialed: str
    queue: str | None
    agent: str | None
    disposition: str
    talk_seconds: int | None
    recording: str | None  # "ok", another recording status, or None when there is none


def agents(session: Session) -> list[AgentRow]:
    """Every agent, by name."""
    rows = session.scalars(select(Agent).order_by(Agent.name))
    return [AgentRow(a.name, a.display_name, a.endpoint, a.logged_in) for a in rows]


def recent_calls(session: Session, tz: tzinfo, limit: int = RECENT_CALLS) -> list[CallRow]:
    """The newest calls first, with times in the center's time zone."""
    stmt = (
        select(Call)
        .options(selectinload(Call.agent), selectinload(Call.recordings))
        .order_by(Call.entered_at.desc(), Call.id.desc())
        .limit(limit)
    )
    return [_call_row(call, tz) for call in session.scalars(stmt)]


def _call_row(call: Call, tz: tzinfo) -> CallRow:
    talk = None
    if call.answered_at and call.ended_at:
        talk = round((call.ended_at - call.answered_at).total_seconds())
    agent = f"{call.agent.display_name} ({call.agent.name})" if call.agent else None
    statuses = [r.status for r in call.recordings]
    recording = RECORDING_OK if RECORDING_OK in statuses else (statuses[0] if statuses else None)
    return CallRow(
        entered=call.entered_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
        caller=call.caller_number,
        dialed=call.dialed_number,
        queue=call.queue_name,
        agent=agent,
        disposition=call.disposition,
        talk_seconds=talk,
        recording=recording,
    )


def asterisk_reachable(settings: Settings) -> bool:
    """Does Asterisk's AMI port accept a TCP connection (a cheap liveness sign)?"""
    try:
        with socket.create_connection((settings.bind_host, settings.ami_port), timeout=PROBE_TIMEOUT):
            return True
    except OSError:
        return False


def database_ok(open_database: Callable[[], Database]) -> bool:
    """Can the database be opened and run a trivial query? Any failure counts as no (logged)."""
    try:
        with open_database().session() as session:
            session.execute(select(literal(1)))
    except Exception as exc:  # a health probe reports, it never raises
        logger.warning("healthz: database unreachable: %s", exc)
        return False
    return True
