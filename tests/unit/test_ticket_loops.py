"""The full loop of each ticket type through apply(), as the desk drives it: consultation, service,
complaint, suggestion; cancelling, commenting, and two agents changing one ticket at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.db.service_models import Dispatch, ReturnVisit
from hotline.db.session import Database
from hotline.tickets.actions import apply, load_ticket, perform
from hotline.tickets.errors import IllegalTransition, NotAllowed, StaleTicket, ValidationFailed
from hotline.tickets.opening import open_ticket
from tests.unit.ticketdata import T0, World, build_world, draft, step, ticket_at, user


@pytest.fixture
def world(database: Database) -> World:
    return build_world(database)


def test_consultation_is_answered_and_closed_when_opened(world: World, database: Database) -> None:
    with database.session() as session:
        intake = user(session, "intake")
        ticket = open_ticket(session, draft(world, "consultation", answer="带身份证到街道办"), intake, now=T0)
        assert (ticket.status, ticket.answer, ticket.closed_at) == ("closed", "带身份证到街道办", T0)
        assert [(e.action, e.from_status, e.to_status) for e in ticket.events] == [
            ("open", None, "new"),
            ("answer", "new", "closed"),
        ]
        with pytest.raises(NotAllowed):
            open_ticket(session, draft(world, "consultation", answer="..."), user(session, "dispatcher"))


def test_service_loop_from_dispatch_to_rated_close(world: World, database: Database) -> None:
    with database.session() as session:
        dispatcher, visitor = user(session, "dispatcher"), user(session, "visitor")
        ticket = ticket_at(session, world, "service", "new")
        apply(
            session,
            ticket,
            "dispatch",
            dispatcher,
            now=T0 + timedelta(minutes=5),
            merchant_id=world.merchants["nanny_b"],
        )
        apply(session, ticket, "accept", dispatcher, now=T0 + timedelta(minutes=7))
        dues = [(v.kind, v.due_at) for v in session.scalars(select(ReturnVisit).order_by(ReturnVisit.due_at))]
        assert dues == [
            ("contact_check", T0 + timedelta(minutes=15)),
            ("final", T0 + timedelta(hours=24, minutes=5)),
        ]
        apply(session, ticket, "confirm_contact", visitor, now=T0 + timedelta(minutes=16), call_id=None)
        apply(
            session,
            ticket,
            "final_visit",
            visitor,
            now=T0 + timedelta(hours=25),
            satisfaction=5,
            timely=True,
            fee_paid=True,
            fee_cents=20000,
        )
        assert (ticket.status, ticket.merchant_id) == ("closed", world.merchants["nanny_b"])
        outcomes = [(v.kind, v.outcome, v.satisfaction) for v in session.scalars(select(ReturnVisit))]
        assert outcomes == [("contact_check", "contacted", None), ("final", "rated", 5)]
        order = session.scalars(select(Dispatch)).one()
        assert (order.status, order.fee_cents, order.dispatched_by_id) == ("accepted", 20000, dispatcher.id)
        assert [e.action for e in ticket.events] == [
            "open",
            "dispatch",
            "accept",
            "confirm_contact",
            "final_visit",
        ]
        assert ticket.events[-1].data == {
            "visit_id": ticket.visits[-1].id,
            "satisfaction": 5,
            "timely": True,
            "fee_paid": True,
            "fee_cents": 20000,
            "skipped_visits": [],
            "credit": 3,
        }


def test_final_visit_needs_a_rating_and_refuses_unknown_fields(world: World, database: Database) -> None:
    with database.session() as session:
        ticket = ticket_at(session, world, "service", "in_service")
        with pytest.raises(ValidationFailed) as caught:
            apply(session, ticket, "final_visit", None, satisfaction=6, fee_paid="maybe", colour="red")
        assert caught.value.errors == {
            "satisfaction": "must be between 1 and 5",
            "timely": "is required",
            "fee_paid": "must be yes or no",
            "colour": "is not a field of final_visit",
        }
        assert (caught.value.status_code, caught.value.error_id) == (422, "invalid-input")
        apply(session, ticket, "final_visit", None, satisfaction="4", timely="false", fee_paid="yes")
        assert ticket.visits[-1].outcome == "rated" and ticket.visits[-1].timely is False


def test_complaint_loop_with_rejected_measure_and_unsatisfied_member(
    world: World, database: Database
) -> None:
    with database.session() as session:
        ticket = open_ticket(
            session, draft(world, "complaint", summary="保洁员迟到"), user(session, "intake"), now=T0
        )
        manager, visitor = user(session, "area_manager"), user(session, "visitor")
        for i, (action, actor) in enumerate(
            [
                ("order_measure", manager),
                ("reject_measure", visitor),
                ("order_measure", manager),
                ("accept_measure", visitor),
                ("complete_measure", visitor),
                ("return_unsatisfied", visitor),
                ("order_measure", manager),
                ("accept_measure", visitor),
                ("complete_measure", visitor),
                ("close_satisfied", visitor),
            ],
            start=1,
        ):
            step(session, ticket, action, world, T0 + timedelta(hours=i), actor)
        statuses = [e.to_status for e in ticket.events]
        assert statuses == [
            "new",
            "measure_ordered",
            "new",
            "measure_ordered",
            "measure_accepted",
            "measure_done",
            "new",
            "measure_ordered",
            "measure_accepted",
            "measure_done",
            "closed",
        ]
        assert ticket.answer == "责成商户返工" and ticket.merchant_id == world.merchants["cleaner"]
        kinds = [(v.kind, v.outcome) for v in session.scalars(select(ReturnVisit).order_by(ReturnVisit.id))]
        assert kinds == [
            ("measure_check", "rejected"),
            ("measure_check", "accepted"),
            ("final", "unsatisfied"),
            ("measure_check", "accepted"),
            ("final", "satisfied"),
        ]


def test_suggestion_goes_to_the_managers_and_back_to_the_suggester(world: World, database: Database) -> None:
    with database.session() as session:
        ticket = open_ticket(
            session, draft(world, "suggestion", summary="建议公布参考价"), user(session, "intake")
        )
        apply(session, ticket, "forward", user(session, "dispatcher"), to="中心主任")
        apply(session, ticket, "record_reply", user(session, "area_manager"), answer="已采纳，下月公布")
        (visit,) = ticket.visits
        assert (visit.kind, visit.done_at) == ("reply", None)
        apply(session, ticket, "inform_suggester", user(session, "visitor"), note="已电话告知")
        assert (ticket.status, ticket.answer, visit.outcome, visit.note) == (
            "closed",
            "已采纳，下月公布",
            "informed",
            "已电话告知",
        )
        assert [e.data for e in ticket.events][1] == {"to": "中心主任"}


def test_cancel_withdraws_the_dispatch_and_cancels_open_visits(world: World, database: Database) -> None:
    with database.session() as session:
        ticket = ticket_at(session, world, "service", "accepted")
        with pytest.raises(NotAllowed):
            apply(session, ticket, "cancel", user(session, "dispatcher"), note="重复工单")
        with pytest.raises(ValidationFailed, match="note: is required"):
            apply(session, ticket, "cancel", user(session, "supervisor"))
        event = apply(
            session,
            ticket,
            "cancel",
            user(session, "supervisor"),
            note="重复工单",
            now=T0 + timedelta(hours=1),
        )
        assert (ticket.status, ticket.closed_at, event.note) == (
            "cancelled",
            T0 + timedelta(hours=1),
            "重复工单",
        )
        assert session.scalars(select(Dispatch.status)).all() == ["withdrawn"]
        assert {v.outcome for v in ticket.visits} == {"cancelled"}
        assert event.data == {
            "withdrawn": [ticket.dispatches[0].id],
            "cancelled_visits": [v.id for v in ticket.visits],
        }


def test_a_comment_keeps_the_status_and_needs_a_note(world: World, database: Database) -> None:
    with database.session() as session:
        ticket = ticket_at(session, world, "complaint", "closed")
        event = apply(session, ticket, "comment", user(session, "intake"), note="会员再次来电致谢")
        assert (event.from_status, event.to_status, ticket.status) == ("closed", "closed", "closed")
        with pytest.raises(ValidationFailed):
            apply(session, ticket, "comment", user(session, "intake"), note="   ")


def test_two_agents_changing_one_ticket_the_second_is_told_it_changed(
    world: World, database: Database
) -> None:
    with database.session() as session:
        number = ticket_at(session, world, "service", "dispatched").number
    first, second = database.sessions(), database.sessions()
    try:
        mine, theirs = load_ticket(first, number), load_ticket(second, number)
        apply(first, mine, "accept", user(first, "dispatcher"))
        first.commit()
        with pytest.raises(StaleTicket) as caught:
            apply(second, theirs, "comment", user(second, "dispatcher"), note="商户说可以接单")
        assert (caught.value.status_code, caught.value.error_id) == (409, "ticket-changed")
        second.rollback()
        with pytest.raises(IllegalTransition, match="is accepted: refuse is not possible"):
            perform(second, number, "refuse", user(second, "dispatcher"))  # perform reads it afresh
        second.rollback()
    finally:
        first.close()
        second.close()
    with database.session() as session:
        ticket = load_ticket(session, number)
        assert ticket.status == "accepted"
        with pytest.raises(StaleTicket):
            perform(session, number, "comment", None, expected_version=ticket.version - 1, note="x")
        perform(session, number.replace("-", ""), "comment", None, expected_version=ticket.version, note="x")
