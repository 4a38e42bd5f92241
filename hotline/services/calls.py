"""The call record: one row per call from entry to hang-up, and its recordings."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, func, insert, select, update
from sqlalchemy.orm import Session, selectinload

from hotline import vocabulary as v
from hotline.db.base import utcnow
from hotline.db.models import Agent, Call, CallLeg, County, Recording
from hotline.services.numbers import clean_number


class CallNotFound(LookupError):
    """No call has this uid."""


_CALL_UID = re.compile(r"^[0-9a-f]{32,40}$")


def is_call_uid(value: str) -> bool:
    """A call id as the center makes them: 32 to 40 lowercase hex digits (never caller input)."""
    return bool(_CALL_UID.match(value))


def new_call_uid() -> str:
    """A call id safe for file names and channel variables (never derived from caller input)."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class NewCall:
    uid: str
    queue: str


@dataclass(frozen=True)
class CallEntry:
    """What is known of a call when it enters the center (caller and dialed number unfiltered)."""

    channel_id: str
    linked_id: str | None
    caller: str | None
    dialed: str | None
    via: str
    queue: str
    county: str | None = None  # county code decided by routing
    reason: str | None = None  # hotline.vocabulary.REASON_*
    detail: str | None = None
    uid: str | None = None  # chosen by the dialplan (40 hex digits); None: a new one here


# The columns record_ivr sets from bound values (besides the county and, when known, the queue).
_IVR_COLUMNS = ("routing_reason", "routing_detail", "language", "category_code", "urgency", "flow_version",
                "ivr_path")  # fmt: skip


@dataclass(frozen=True)
class IvrFacts:
    """What the IVR learnt about a call, stored on its row for the agent's screen."""

    queue: str | None
    county: str | None
    reason: str | None
    detail: str | None
    language: str | None
    category: str | None
    urgency: str | None
    flow_version: int | None
    path: list[dict[str, Any]]


def _county_id_of(name: str) -> Any:
    """The county id of the code bound as `name`, as a subquery (NULL for no or an unknown county)."""
    return select(County.id).where(County.code == bindparam(name)).scalar_subquery()


# Built once: these run for every call, and a prebuilt statement skips building it and its cache key.
_INSERT_CALL = insert(Call).values(county_id=_county_id_of("entry_county"))
_RECORD_IVR = {
    with_queue: update(Call)
    .where(Call.uid == bindparam("call_uid"))
    .values(
        county_id=_county_id_of("ivr_county"),
        **{name: bindparam(name) for name in _IVR_COLUMNS + (("queue_name",) if with_queue else ())},
    )
    for with_queue in (False, True)
}


def register_call(session: Session, entry: CallEntry) -> NewCall:
    """Create the call row when a call enters the center; returns its uid and queue.
    One INSERT (Core statement, county looked up inside it): this runs for every call."""
    uid = entry.uid if entry.uid and is_call_uid(entry.uid) else new_call_uid()
    session.connection().execute(
        _INSERT_CALL,
        {
            "uid": uid,
            "channel_id": entry.channel_id,
            "linked_id": entry.linked_id,
            "caller_number": clean_number(entry.caller),
            "dialed_number": clean_number(entry.dialed),
            "via": entry.via,
            "queue_name": entry.queue,
            "disposition": v.DISP_ACTIVE,
            "entered_at": utcnow(),
            "routing_reason": entry.reason,
            "routing_detail": (entry.detail or "")[:255] or None,
            "entry_county": entry.county,
        },
    )
    return NewCall(uid, entry.queue)


def record_ivr(session: Session, uid: str, facts: IvrFacts) -> None:
    """Store the routing decision and the IVR's findings (language, category, path) on the call
    (one UPDATE: this runs for every call)."""
    values: dict[str, Any] = {
        "call_uid": uid,
        "ivr_county": facts.county,
        "routing_reason": facts.reason,
        "routing_detail": (facts.detail or "")[:255] or None,
        "language": facts.language,
        "category_code": facts.category,
        "urgency": facts.urgency,
        "flow_version": facts.flow_version,
        "ivr_path": list(facts.path),
    }
    if facts.queue:
        values["queue_name"] = facts.queue
    if session.connection().execute(_RECORD_IVR[bool(facts.queue)], values).rowcount == 0:
        raise CallNotFound(uid)


def set_disposition(session: Session, uid: str, disposition: str) -> Call:
    """Set a call's disposition now (a transfer out of the IVR); the end keeps it."""
    call = get_call(session, uid)
    call.disposition = disposition
    return call


def get_call(session: Session, uid: str) -> Call:
    call = session.scalar(select(Call).where(Call.uid == uid))
    if call is None:
        raise CallNotFound(uid)
    return call


def call_exists(session: Session, uid: str) -> bool:
    return session.scalar(select(Call.id).where(Call.uid == uid)) is not None


def uid_for_channel(session: Session, channel_id: str) -> str | None:
    """The call registered for an Asterisk channel (newest first), if any."""
    stmt = select(Call.uid).where(Call.channel_id == channel_id).order_by(Call.id.desc()).limit(1)
    return session.scalar(stmt)


def mark_connected(
    session: Session, uid: str, endpoint: str, at: datetime | None = None, channel: str | None = None
) -> Call:
    """An agent answered (from a queue, a transfer or a pickup): a leg of the call; the first answer
    sets the answer time, the latest agent is the call's agent."""
    call = get_call(session, uid)
    agent = session.scalar(select(Agent).where(Agent.endpoint == endpoint))
    now = at or utcnow()
    if call.answered_at is None:
        call.answered_at = now
    call.agent_id = agent.id if agent else call.agent_id
    call.disposition = v.DISP_ANSWERED
    session.add(CallLeg(call_id=call.id, agent_id=agent.id if agent else None, endpoint=endpoint[:48],
                        channel=(channel or "")[:96] or None, connected_at=now))  # fmt: skip
    return call


def agent_channel(session: Session, uid: str) -> str | None:
    """The channel of the call's latest agent leg (the one a transfer starts from)."""
    call = get_call(session, uid)
    stmt = select(CallLeg.channel).where(CallLeg.call_id == call.id).order_by(CallLeg.id.desc()).limit(1)
    return session.scalar(stmt)


@dataclass(frozen=True)
class Ended:
    """A call's row as its hang-up left it."""

    ended_at: datetime
    answered_at: datetime | None
    disposition: str


# Built once: every call's hang-up runs it. The first end time is kept; a call nobody answered while
# still active is abandoned (a transfer out of the IVR keeps its disposition).
_MARK_ENDED = (
    update(Call)
    .where(Call.uid == bindparam("call_uid"))
    .values(
        ended_at=func.coalesce(Call.ended_at, bindparam("at", type_=Call.ended_at.type)),
        hangup_cause=bindparam("cause"),
        disposition=case(
            (and_(Call.answered_at.is_(None), Call.disposition == v.DISP_ACTIVE), v.DISP_ABANDONED),
            else_=Call.disposition,
        ),
    )
    .returning(Call.ended_at, Call.answered_at, Call.disposition)
)


def mark_ended(session: Session, uid: str, cause: str | None, at: datetime | None = None) -> Ended:
    """The caller's channel hung up: set the end time and the final disposition (one UPDATE)."""
    row = (
        session.connection()
        .execute(_MARK_ENDED, {"call_uid": uid, "at": at or utcnow(), "cause": (cause or "")[:32] or None})
        .first()
    )
    if row is None:
        raise CallNotFound(uid)
    return Ended(row.ended_at, row.answered_at, row.disposition)


def add_recording(
    session: Session,
    uid: str,
    *,
    path: str,
    status: str,
    duration_s: float | None,
    size_bytes: int | None,
    sha256: str | None,
    leg: str = "inbound",
    channel_id: str | None = None,
) -> Recording:
    """The recording of one leg of a call (the inbound leg is the caller's channel)."""
    call = get_call(session, uid)
    channel = channel_id or (call.channel_id if leg == "inbound" else None)
    rec = Recording(call_id=call.id, path=path, status=status, duration_s=duration_s, size_bytes=size_bytes,
                    sha256=sha256, leg=leg, channel_id=channel)  # fmt: skip
    session.add(rec)
    session.flush()
    return rec


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def call_summary_dict(call: Call) -> dict[str, Any]:
    """The facts of a call a list shows (no legs, recordings or callback: nothing more to load)."""
    talk = None
    if call.answered_at and call.ended_at:
        talk = round((call.ended_at - call.answered_at).total_seconds(), 3)
    return {
        "id": call.id,
        "uid": call.uid,
        "caller_number": call.caller_number,
        "dialed_number": call.dialed_number,
        "county": call.county.code if call.county else None,
        "category": call.category_code,
        "queue": call.queue_name,
        "agent": call.agent.name if call.agent else None,
        "disposition": call.disposition,
        "entered_at": _iso(call.entered_at),
        "answered_at": _iso(call.answered_at),
        "ended_at": _iso(call.ended_at),
        "wait_seconds": call.wait_s,
        "talk_seconds": talk,
    }


def call_to_dict(call: Call) -> dict[str, Any]:
    """Every fact of a call: its summary, routing, IVR path, legs, recordings and callback."""
    return {
        **call_summary_dict(call),
        "channel_id": call.channel_id,
        "routing_reason": call.routing_reason,
        "routing_detail": call.routing_detail,
        "language": call.language,
        "urgency": call.urgency,
        "flow_version": call.flow_version,
        "ivr_path": call.ivr_path or [],
        "via": call.via,
        "queue_talk_seconds": call.talk_s,  # app_queue's whole seconds, transfers included
        "queue_outcome": call.queue_outcome,
        "hangup_cause": call.hangup_cause,
        "callback": _callback(call),
        "legs": [
            {
                "agent": leg.agent.name if leg.agent else None,
                "endpoint": leg.endpoint,
                "connected_at": _iso(leg.connected_at),
            }
            for leg in call.legs
        ],
        "recordings": [
            {
                "path": r.path,
                "leg": r.leg,
                "status": r.status,
                "duration_s": r.duration_s,
                "size_bytes": r.size_bytes,
                "sha256": r.sha256,
            }
            for r in call.recordings
        ],
    }


def _callback(call: Call) -> dict[str, Any] | None:
    cb = call.callback
    if cb is None:
        return None
    return {
        "status": cb.status,
        "attempts": cb.attempts,
        "position": cb.position,
        "last_result": cb.last_result,
    }


def list_calls(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    """Calls newest first, as plain dicts."""
    stmt = (
        select(Call)
        .options(
            selectinload(Call.recordings),
            selectinload(Call.agent),
            selectinload(Call.county),
            selectinload(Call.callback),
            selectinload(Call.legs).selectinload(CallLeg.agent),
        )
        .order_by(Call.entered_at.desc(), Call.id.desc())
        .limit(limit)
    )
    return [call_to_dict(c) for c in session.scalars(stmt)]
