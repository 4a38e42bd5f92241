from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline import vocabulary as v
from hotline.db.models import Call
from hotline.db.session import Database
from hotline.services import calls
from hotline.services.numbers import clean_number, is_safe_token
from hotline.services.seed import seed_demo


@pytest.fixture
def db(demo_database: Database) -> Database:
    return demo_database


def _register(db: Database, caller: str | None = "13800138001") -> str:
    with db.session() as session:
        entry = calls.CallEntry(
            "1700000000.1", "1700000000.1", caller, "10109366", v.VIA_ARI, "futian", county="futian"
        )
        return calls.register_call(session, entry).uid


def test_a_call_goes_from_entered_to_answered_to_ended_with_its_recording(db: Database) -> None:
    uid = _register(db)
    assert is_safe_token(uid)
    with db.session() as session:
        calls.mark_connected(session, uid, "agent8002")
    with db.session() as session:
        answered = calls.get_call(session, uid).answered_at
        assert answered is not None
        ended = calls.mark_ended(session, uid, "16", at=answered + timedelta(seconds=7))
        assert ended.answered_at == answered and ended.disposition == v.DISP_ANSWERED
        calls.add_recording(
            session, uid, path="/r/x.wav", status="ok", duration_s=7.0, size_bytes=10, sha256="ab"
        )
    with db.session() as session:
        (row,) = calls.list_calls(session)
    assert row["uid"] == uid
    assert row["county"] == "futian"
    assert row["agent"] == "8002"
    assert row["disposition"] == v.DISP_ANSWERED
    assert row["talk_seconds"] == 7.0
    assert row["recordings"][0]["duration_s"] == 7.0


def test_an_unanswered_call_is_abandoned_and_a_second_end_keeps_the_first_time(db: Database) -> None:
    uid = _register(db)
    with db.session() as session:
        first = calls.mark_ended(session, uid, "16").ended_at
    with db.session() as session:
        again = calls.mark_ended(session, uid, "16")
        assert again.ended_at == first
        assert again.disposition == v.DISP_ABANDONED


def test_calls_are_listed_newest_first(db: Database) -> None:
    uids = [_register(db, f"1380013800{i}") for i in range(3)]
    with db.session() as session:
        listed = [r["uid"] for r in calls.list_calls(session)]
    assert listed == list(reversed(uids))


def test_caller_controlled_numbers_are_filtered(db: Database) -> None:
    uid = _register(db, caller="13800'; DROP TABLE calls;--<script>")
    with db.session() as session:
        call = session.scalar(select(Call).where(Call.uid == uid))
        assert call is not None
        assert call.caller_number == "13800"
    assert clean_number(None) == "anonymous"
    assert clean_number("abc") == "anonymous"
    assert clean_number("+86 138-0013-8000") == "+8613800138000"


def test_unknown_call_uid_is_reported(db: Database) -> None:
    with db.session() as session, pytest.raises(calls.CallNotFound):
        calls.mark_connected(session, "nosuchcall", "agent8001")


def test_demo_seed_is_idempotent(db: Database) -> None:
    with db.session() as session:
        assert seed_demo(session)["agents"] == 6
    with db.session() as session:
        from hotline.db.models import Agent

        assert len(session.scalars(select(Agent)).all()) == 6


def test_a_call_is_found_by_its_channel_when_the_dialplan_lacks_its_id(db: Database) -> None:
    uid = _register(db)
    with db.session() as session:
        assert calls.uid_for_channel(session, "1700000000.1") == uid
        assert calls.uid_for_channel(session, "1700000000.99") is None
