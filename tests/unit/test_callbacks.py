"""Callback-in-queue bookkeeping: one per call, its place kept, attempts limited, outcome kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from hotline import vocabulary as v
from hotline.acd import callbacks, queuelog
from hotline.db.base import utcnow
from hotline.db.models import Call, Callback
from hotline.db.session import Database
from hotline.services.calls import CallEntry, CallNotFound, list_calls, register_call


def _call(database: Database, caller: str, channel: str) -> str:
    with database.session() as session:
        return register_call(session, CallEntry(channel, channel, caller, "12345", v.VIA_ARI, "city")).uid


def _requested(session: Session, uid: str, position: int) -> Callback:
    callback = callbacks.request(session, uid, "city", position)
    assert callback is not None
    return callback


def _placed(session: Session, uid: str) -> Callback:
    """Requested at the head of the queue, its placeholder sent."""
    callback = _requested(session, uid, 1)
    callbacks.place(session, callback, "/rec")
    return callback


def test_one_callback_per_call_and_none_for_a_withheld_number(database: Database) -> None:
    uid = _call(database, "13800138062", "1.2")
    withheld = _call(database, "anonymous", "1.3")
    with database.session() as session:
        first = callbacks.request(session, uid, "city", 2)
        assert first is not None and (first.status, first.position, first.number) == ("due", 2, "13800138062")
        assert callbacks.request(session, uid, "city", 1) is None  # pressing 1 again adds nothing
        assert callbacks.request(session, withheld, "city", 1) is None
        with pytest.raises(CallNotFound):
            callbacks.request(session, "f" * 40, "city", 1)
        assert session.query(Callback).count() == 1
    with database.session() as session:
        [row] = [r for r in list_calls(session) if r["uid"] == uid]
    assert row["disposition"] == "callback"
    assert row["callback"] == {"status": "due", "attempts": 0, "position": 2, "last_result": None}


def test_the_first_attempt_keeps_the_place_and_a_retry_goes_to_the_head_of_the_queue(
    database: Database,
) -> None:
    uid = _call(database, "13800138062", "1.2")
    with database.session() as session:
        cb = _requested(session, uid, 3)
        [ready] = callbacks.due(session)
        first = callbacks.place(session, ready, "/rec/2026/12/03")
        assert (first.position, first.attempt) == (3, 1)
        assert cb.recording == f"/rec/2026/12/03/{uid}-cb1"
        assert callbacks.due(session) == []  # placed: not due twice
        assert callbacks.placement(session, cb.id, "1764770000.7") == first
        assert cb.channel_id == "1764770000.7"  # the placeholder that asked
        callbacks.dialing(session, cb.id)
        now = utcnow()
        again = callbacks.finish_attempt(session, cb.id, "NOANSWER", max_attempts=2, retry_after=60, now=now)
        assert again is not None and (again.status, again.attempts, again.last_result) == (
            "due",
            1,
            "NOANSWER",
        )
        assert callbacks.due(session, now) == []  # not before the retry delay
        [retry] = callbacks.due(session, now + timedelta(seconds=61))
        second = callbacks.place(session, retry, "/rec/2026/12/03")
        assert (second.position, second.attempt, cb.recording) == (1, 2, f"/rec/2026/12/03/{uid}-cb2")
        failed = callbacks.finish_attempt(session, cb.id, "BUSY", max_attempts=2, retry_after=60)
        assert failed is not None and (failed.status, failed.attempts) == ("failed", 2)
        assert callbacks.placement(session, cb.id) is None
        assert callbacks.finish_attempt(session, cb.id, "ANSWER", max_attempts=2, retry_after=60) is None


def test_an_answered_attempt_is_final_and_the_placeholder_is_accounted_on_the_call(
    database: Database,
) -> None:
    uid = _call(database, "13800138062", "1.2")
    with database.session() as session:
        cb = _placed(session, uid)
        assert callbacks.placement(session, cb.id, "1764770000.9") is not None
        done = callbacks.finish_attempt(session, cb.id, "ANSWER", max_attempts=3, retry_after=60)
        assert done is not None and (done.status, done.attempts) == ("answered", 1)
        lines = [
            "1764770000|1764770000.9|city|NONE|ENTERQUEUE||13800138062|1",
            "1764770020|1764770000.9|city|8004|CONNECT|20|x|1",
            "1764770050|1764770000.9|city|8004|COMPLETEAGENT|20|30|1",
        ]
        queuelog.ingest(session, [p for p in map(queuelog.parse_line, lines) if p])
    with database.session() as session:
        call = session.query(Call).filter_by(uid=uid).one()
        assert (call.wait_s, call.talk_s, call.queue_outcome) == (20.0, 30.0, "COMPLETEAGENT")


def test_a_placeholder_that_could_not_be_placed_is_due_again_without_counting_an_attempt(
    database: Database,
) -> None:
    uid = _call(database, "13800138062", "1.2")
    with database.session() as session:
        cb = _placed(session, uid)
        callbacks.requeue(session, cb.id, 0)
        assert (cb.status, cb.attempts) == ("due", 0)
        [again] = callbacks.due(session, utcnow() + timedelta(seconds=1))
        assert callbacks.place(session, again, "/rec").attempt == 1
