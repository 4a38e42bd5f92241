"""What the IVR asks of the database: a ticket's status by keyed number, and storing a left message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from hotline.db.models import Call, County
from hotline.db.service_models import Ticket
from hotline.db.session import Database
from hotline.services.calls import CallNotFound
from hotline.services.messages import pending_messages, save_message
from hotline.services.tickets import normalise_ticket_number, ticket_status

UPDATED = datetime(2026, 11, 21, 3, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("keyed", "number"),
    [
        ("202611200001", "20261120-0001"),
        ("20261120-0001", "20261120-0001"),
        (" 202611200001 ", "20261120-0001"),
        ("20261120001", None),
        ("2026112000012", None),
        ("202613200001", None),
        ("20261120000#", None),
        ("２０２６１１２００００１", None),
        ("", None),
    ],
)
def test_keyed_digits_become_a_ticket_number(keyed: str, number: str | None) -> None:
    assert normalise_ticket_number(keyed) == number


def test_ticket_status_reads_the_ticket(database: Database) -> None:
    with database.session() as session:
        session.add(Ticket(number="20261120-0001", type="service", status="dispatched", updated_at=UPDATED))
    with database.session() as session:
        assert ticket_status(session, "20261120-0001") == ("20261120-0001", "dispatched", UPDATED)
        assert ticket_status(session, "20261120-0002") is None


def add_call(database: Database, uid: str) -> None:
    with database.session() as session:
        session.add(County(code="futian", name_zh="福田区", name_en="Futian"))
        session.add(Call(uid=uid, caller_number="13800138001", dialed_number="10109366", via="ari"))


def test_a_left_message_is_pending_for_its_county(database: Database) -> None:
    add_call(database, "u1")
    with database.session() as session:
        first = save_message(session, "u1", "futian", "futian", "/msgs/msg-u1.wav", 12.5)
        second = save_message(session, "u1", None, "city", "/msgs/msg-u1b.wav", None)
    with database.session() as session:
        assert [m.id for m in pending_messages(session)] == [first, second]
        (only,) = pending_messages(session, "futian")
        assert (only.id, only.queue_name, only.path, only.duration_s, only.status) == (
            first,
            "futian",
            "/msgs/msg-u1.wav",
            12.5,
            "pending",
        )
        assert only.call_id == session.scalar(select(Call.id).where(Call.uid == "u1"))
        assert only.county_id == session.scalar(select(County.id).where(County.code == "futian"))
        assert pending_messages(session, "luohu") == []


def test_a_message_of_an_unknown_call_is_refused(database: Database) -> None:
    with database.session() as session, pytest.raises(CallNotFound, match="no call has uid 'nope'"):
        save_message(session, "nope", None, None, "/msgs/x.wav", 1.0)
