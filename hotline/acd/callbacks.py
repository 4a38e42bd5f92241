"""Fair callback-in-queue: a waiting caller presses 1, hangs up, and keeps their place.

A placeholder (the ;2 half of a Local channel) enters the queue at the caller's position, so app_queue
itself keeps the order: callers who waited before it are served before it, and it is offered only to
a free agent. When an agent answers the placeholder, its ;1 half dials the caller: one attempt per
agent that took it, never more. A failed attempt goes back to the head of the queue (its turn had
come) after a delay, up to the attempt limit. One callback per call: pressing 1 again changes nothing.

States: due (to be placed in the queue at next_at) -> queued (placeholder waiting) -> dialing ->
answered | due (retry) | failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import vocabulary as v
from hotline.db.base import utcnow
from hotline.db.models import Call, Callback
from hotline.services.calls import CallNotFound
from hotline.services.numbers import clean_number

DUE, QUEUED, DIALING, ANSWERED, FAILED = "due", "queued", "dialing", "answered", "failed"
EXTEN_PREFIX = "cb"  # dialplan extension cb<id> in CTX_CALLBACK_QUEUE and CTX_CALLBACK_DIAL


@dataclass(frozen=True)
class Placement:
    """What the dialplan needs to put a callback's placeholder in its queue, and to dial."""

    callback_id: int
    call_uid: str
    queue: str
    number: str
    position: int
    attempt: int


def exten(callback_id: int) -> str:
    return f"{EXTEN_PREFIX}{callback_id}"


def request(
    session: Session, call_uid: str, queue: str, position: int, now: datetime | None = None
) -> Callback | None:
    """Record the caller's request; None when the call already has one (no duplicate callbacks) or the
    caller's number cannot be dialled (withheld)."""
    call = session.scalar(select(Call).where(Call.uid == call_uid))
    if call is None:
        raise CallNotFound(call_uid)
    if session.scalar(select(Callback.id).where(Callback.call_id == call.id)) is not None:
        return None
    number = clean_number(call.caller_number)
    if not number.isdigit():
        return None
    at = now or utcnow()
    callback = Callback(
        call_id=call.id, queue=queue, number=number, position=max(position, 1), status=DUE, attempts=0,
        next_at=at, requested_at=at, updated_at=at,
    )  # fmt: skip
    session.add(callback)
    call.disposition = v.DISP_CALLBACK
    session.flush()
    return callback


def due(session: Session, now: datetime | None = None) -> list[Callback]:
    """Callbacks whose placeholder is to be placed in the queue now, oldest request first."""
    at = now or utcnow()
    stmt = select(Callback).where(Callback.status == DUE, Callback.next_at <= at)
    return list(session.scalars(stmt.order_by(Callback.requested_at, Callback.id)))


def place(session: Session, callback: Callback, recording_dir: str) -> Placement:
    """The next attempt's placeholder: queued, at the caller's place the first time and at the head of
    the queue after a failed attempt (its turn had come)."""
    call = session.get(Call, callback.call_id)
    assert call is not None
    attempt = callback.attempts + 1
    callback.status, callback.channel_id, callback.updated_at = QUEUED, None, utcnow()
    callback.recording = f"{recording_dir}/{call.uid}-cb{attempt}"
    position = callback.position if attempt == 1 else 1
    return Placement(callback.id, call.uid, callback.queue, callback.number, position, attempt)


def placement(session: Session, callback_id: int, channel_id: str | None = None) -> Placement | None:
    """The current attempt of a callback still waiting or dialing (for the dialplan); None otherwise.
    `channel_id`: the placeholder asking, remembered so its queue events count for the call."""
    callback = session.get(Callback, callback_id)
    if callback is None or callback.status not in (QUEUED, DIALING):
        return None
    if channel_id is not None:
        callback.channel_id = channel_id
    call = session.get(Call, callback.call_id)
    assert call is not None
    attempt = callback.attempts + 1
    position = callback.position if attempt == 1 else 1
    return Placement(callback.id, call.uid, callback.queue, callback.number, position, attempt)


def dialing(session: Session, callback_id: int) -> None:
    callback = session.get(Callback, callback_id)
    if callback is not None and callback.status == QUEUED:
        callback.status, callback.updated_at = DIALING, utcnow()


def finish_attempt(session: Session, callback_id: int, dialstatus: str, *, max_attempts: int,
                   retry_after: float, now: datetime | None = None) -> Callback | None:  # fmt: skip
    """The outcome of one attempt (Dial's DIALSTATUS): answered, another try later, or failed."""
    callback = session.get(Callback, callback_id)
    if callback is None or callback.status not in (QUEUED, DIALING):
        return None
    at = now or utcnow()
    callback.attempts += 1
    callback.last_result = (dialstatus or "UNKNOWN")[:16]
    callback.updated_at = at
    if callback.last_result == "ANSWER":
        callback.status = ANSWERED
    elif callback.attempts >= max_attempts:
        callback.status = FAILED
    else:
        callback.status, callback.next_at = DUE, at + timedelta(seconds=retry_after)
    return callback


def requeue(session: Session, callback_id: int, retry_after: float) -> None:
    """Placing the placeholder failed (Asterisk away): try again later, no attempt counted."""
    callback = session.get(Callback, callback_id)
    if callback is not None and callback.status == QUEUED:
        callback.status, callback.next_at = DUE, utcnow() + timedelta(seconds=retry_after)


def placement_uid(session: Session, callback: Callback) -> str:
    call = session.get(Call, callback.call_id)
    assert call is not None
    return call.uid


def calls_for_channels(session: Session, channel_ids: Sequence[str]) -> dict[str, Call]:
    """The calls these placeholder channels belong to (queue accounting of callback attempts)."""
    stmt = (
        select(Callback.channel_id, Call)
        .join(Call, Callback.call_id == Call.id)
        .where(Callback.channel_id.in_(channel_ids))
    )
    return {channel_id: call for channel_id, call in session.execute(stmt) if channel_id}
