"""Voice messages callers leave in the IVR (after hours): pending items for the county's agents."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db.models import Call, County, PendingMessage, Queue
from hotline.services.calls import CallNotFound
from hotline.vocabulary import DISP_MESSAGE

PENDING = "pending"


def save_message(
    session: Session,
    call_uid: str,
    county_code: str | None,
    queue_name: str | None,
    path: str,
    duration_s: float | None,
) -> int:
    """Store a left message as pending for `county_code` (None: the city center); returns its id."""
    call_id = session.scalar(select(Call.id).where(Call.uid == call_uid))
    if call_id is None:
        raise CallNotFound(f"no call has uid {call_uid!r}")
    county_id = None
    if county_code is not None:
        county_id = session.scalar(select(County.id).where(County.code == county_code))
    message = PendingMessage(
        call_id=call_id, county_id=county_id, queue_name=queue_name, path=path, duration_s=duration_s
    )
    session.add(message)
    session.flush()
    return message.id


def pending_messages(session: Session, county_code: str | None = None) -> list[PendingMessage]:
    """Messages nobody has taken yet, oldest first; only `county_code`'s when given."""
    query = select(PendingMessage).where(PendingMessage.status == PENDING)
    if county_code is not None:
        query = query.join(County, PendingMessage.county_id == County.id).where(County.code == county_code)
    return list(session.scalars(query.order_by(PendingMessage.created_at, PendingMessage.id)))


def save_queue_message(
    session: Session, call_uid: str, queue_name: str | None, path: str, duration_s: float | None
) -> int:
    """A message left in the dialplan when no agent could answer: pending for the call's county (the
    queue's county when the call has none); the call's disposition says it."""
    call = session.scalar(select(Call).where(Call.uid == call_uid))
    if call is None:
        raise CallNotFound(f"no call has uid {call_uid!r}")
    county_id = call.county_id
    if county_id is None and queue_name:
        county_id = session.scalar(select(Queue.county_id).where(Queue.name == queue_name))
    message = PendingMessage(
        call_id=call.id, county_id=county_id, queue_name=queue_name, path=path, duration_s=duration_s
    )
    session.add(message)
    call.disposition = DISP_MESSAGE
    session.flush()
    return message.id
