"""Dispatch: candidate merchants by category (with its lineage), county and contract, best credit
first; refusals and re-dispatch; the return visits a dispatch schedules and the visit work list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.db.models import Merchant
from hotline.db.service_models import CreditEvent, Dispatch, ReturnVisit, Ticket
from hotline.db.session import Database
from hotline.tickets.actions import apply, record_visit
from hotline.tickets.dispatching import dispatch_candidates
from hotline.tickets.errors import MerchantNotEligible, NoOpenDispatch, ValidationFailed
from hotline.tickets.opening import open_ticket
from hotline.tickets.visits import open_visits, visit_counts, visit_worklist
from tests.unit.ticketdata import T0, World, build_world, draft, ticket_at, user


@pytest.fixture
def world(database: Database) -> World:
    return build_world(database)


def names(session: object, ticket: Ticket, **kw: bool) -> list[tuple[str, bool]]:
    return [(c.merchant.name, c.refused) for c in dispatch_candidates(session, ticket, **kw)]  # type: ignore[arg-type]


def test_candidates_serve_the_category_or_its_parent_in_the_county_best_credit_first(
    world: World, database: Database
) -> None:
    with database.session() as session:
        nanny = open_ticket(session, draft(world), None)
        assert names(session, nanny) == [("nanny_a", False), ("nanny_b", False), ("family_all", False)]
        (first,) = dispatch_candidates(session, nanny, limit=1)
        assert (first.level.kind, first.level.count) == ("diamond", 2)
        luohu = open_ticket(session, draft(world, county_id=world.counties["luohu"]), None)
        assert names(session, luohu) == [("nanny_a", False)]
        broad = open_ticket(session, draft(world, category_code="family"), None)  # the IVR's top-level choice
        assert names(session, broad) == [
            ("cleaner", False),
            ("nanny_a", False),
            ("nanny_b", False),
            ("family_all", False),
        ]
        anywhere = open_ticket(session, draft(world, category_code="repair.appliance", county_id=None), None)
        assert names(session, anywhere) == [("fixer", False)]


def test_a_refusal_sends_the_ticket_back_and_leaves_the_merchant_out(
    world: World, database: Database
) -> None:
    with database.session() as session:
        dispatcher = user(session, "dispatcher")
        ticket = open_ticket(session, draft(world), user(session, "intake"), now=T0)
        apply(
            session, ticket, "dispatch", dispatcher, merchant_id=world.merchants["nanny_a"], fee_cents=15000
        )
        assert (ticket.status, ticket.merchant_id) == ("dispatched", world.merchants["nanny_a"])
        apply(session, ticket, "refuse", dispatcher, note="人手不足")
        assert (ticket.status, ticket.merchant_id) == ("new", None)
        assert names(session, ticket) == [("nanny_b", False), ("family_all", False)]
        assert names(session, ticket, include_refused=True)[-1] == ("nanny_a", True)
        with pytest.raises(MerchantNotEligible) as caught:
            apply(session, ticket, "dispatch", dispatcher, merchant_id=world.merchants["nanny_a"])
        assert (caught.value.status_code, caught.value.error_id) == (409, "merchant-not-eligible")
        assert "refused this ticket before" in caught.value.message
        apply(
            session,
            ticket,
            "dispatch",
            dispatcher,
            merchant_id=world.merchants["nanny_a"],
            allow_refused=True,
        )
        offers = session.scalars(select(Dispatch).order_by(Dispatch.id)).all()
        assert [(d.status, d.fee_cents) for d in offers] == [("refused", 15000), ("offered", None)]
        assert offers[0].answered_at is not None and offers[1].deadline_at == ticket.due_at


def test_dispatch_refuses_unknown_and_suspended_merchants(world: World, database: Database) -> None:
    with database.session() as session:
        ticket = open_ticket(session, draft(world), None)
        with pytest.raises(MerchantNotEligible, match="its contract is suspended"):
            apply(session, ticket, "dispatch", None, merchant_id=world.merchants["nanny_suspended"])
        with pytest.raises(ValidationFailed, match="merchant_id: there is no merchant 999"):
            apply(session, ticket, "dispatch", None, merchant_id=999)
        with pytest.raises(ValidationFailed, match="merchant_id: is required"):
            apply(session, ticket, "dispatch", None)
        ticket.status = "dispatched"  # a ticket from before dispatches were kept: no offer to answer
        with pytest.raises(NoOpenDispatch) as caught:
            apply(session, ticket, "accept", None)
        assert caught.value.to_dict()["wanted"] == "offered"


def test_redispatch_withdraws_the_merchant_cancels_its_visits_and_lowers_its_credit(
    world: World, database: Database
) -> None:
    with database.session() as session:
        ticket = ticket_at(session, world, "service", "accepted")
        contact, final = ticket.visits
        event = record_visit(
            session,
            contact.id,
            "redispatch",
            user(session, "visitor"),
            note="商户未联系，无法服务",
            call_id=None,
        )
        assert (ticket.status, ticket.merchant_id) == ("new", None)
        assert (contact.outcome, contact.note, final.outcome) == (
            "not_served",
            "商户未联系，无法服务",
            "cancelled",
        )
        assert session.scalars(select(Dispatch.status)).all() == ["withdrawn"]
        assert event.data == {
            "dispatch_id": ticket.dispatches[0].id,
            "merchant_id": world.merchants["nanny_a"],
            "visit_id": contact.id,
            "cancelled_visits": [final.id],
        }
        credit = session.scalars(select(CreditEvent)).one()
        assert (credit.points, credit.reason, credit.ticket_id) == (-2, "not_served", ticket.id)
        assert session.get(Merchant, world.merchants["nanny_a"]).credit_points == 598  # type: ignore[union-attr]
        assert names(session, ticket) == [("nanny_b", False), ("family_all", False)]
        apply(session, ticket, "dispatch", None, merchant_id=world.merchants["nanny_b"])
        apply(session, ticket, "accept", None)
        assert [v.kind for v in open_visits(session, ticket.id)] == ["contact_check", "final"]


def test_a_merchant_giving_up_in_service_is_redispatched_from_the_final_visit(
    world: World, database: Database
) -> None:
    with database.session() as session:
        ticket = ticket_at(session, world, "service", "in_service")
        final = next(v for v in ticket.visits if v.kind == "final")
        record_visit(session, final.id, "redispatch", user(session, "dispatcher"), note="商户中途退出")
        assert (ticket.status, final.outcome) == ("new", "not_served")
        with pytest.raises(NoOpenDispatch):
            ticket.status = "accepted"
            apply(session, ticket, "redispatch", None)


def test_accepting_schedules_the_visits_from_the_dispatch_time(world: World, database: Database) -> None:
    with database.session() as session:
        ticket = open_ticket(session, draft(world), None, now=T0)
        apply(session, ticket, "dispatch", None, merchant_id=world.merchants["nanny_a"], now=T0)
        apply(
            session, ticket, "accept", None, now=T0 + timedelta(minutes=30)
        )  # the merchant called back late
        visits = [(v.kind, v.due_at, v.dispatch_id) for v in ticket.visits]
        offer = ticket.dispatches[0].id
        assert visits == [
            ("contact_check", T0 + timedelta(minutes=10), offer),
            ("final", T0 + timedelta(hours=24), offer),
        ]


def test_the_work_list_shows_due_visits_flags_overdue_and_filters_by_county(
    world: World, database: Database
) -> None:
    with database.session() as session:
        futian = ticket_at(session, world, "service", "accepted", at=T0)  # contact check due T0+11min
        luohu = open_ticket(session, draft(world, county_id=world.counties["luohu"]), None, now=T0)
        apply(
            session,
            luohu,
            "dispatch",
            None,
            merchant_id=world.merchants["nanny_a"],
            now=T0 + timedelta(hours=1),
        )
        apply(session, luohu, "accept", None, now=T0 + timedelta(hours=1))
        early = visit_worklist(session, now=T0 + timedelta(minutes=5))
        assert early == []
        later = visit_worklist(session, now=T0 + timedelta(minutes=50))
        assert [(i.ticket.number, i.visit.kind, i.overdue) for i in later] == [
            (futian.number, "contact_check", True)
        ]
        assert later[0].actions == ("confirm_contact", "recheck_contact", "redispatch")
        now = T0 + timedelta(hours=1, minutes=15)
        assert [(i.ticket.number, i.overdue) for i in visit_worklist(session, now=now)] == [
            (futian.number, True),
            (luohu.number, False),
        ]
        only = visit_worklist(session, now=now, county_id=world.counties["luohu"])
        assert [i.ticket.number for i in only] == [luohu.number]
        ahead = visit_worklist(session, now=now, ahead=timedelta(days=2), kind="final")
        assert [i.ticket.number for i in ahead] == [futian.number, luohu.number]
        assert visit_counts(session, now=now) == (2, 1)
        assert visit_counts(session, now=now, county_id=world.counties["luohu"]) == (1, 0)


def test_recording_visits_from_the_work_list(world: World, database: Database) -> None:
    with database.session() as session:
        visitor = user(session, "visitor")
        ticket = ticket_at(session, world, "service", "accepted")
        contact = ticket.visits[0]
        with pytest.raises(ValidationFailed, match="final_visit does not record a contact_check visit"):
            record_visit(session, contact.id, "final_visit", visitor)
        event = record_visit(session, contact.id, "recheck_contact", visitor, note="商户说半小时内联系")
        assert (ticket.status, contact.outcome) == ("accepted", "retry")
        assert event.data is not None
        again = session.get(ReturnVisit, event.data["next_visit_id"])
        assert again is not None
        assert (again.kind, again.done_at, again.due_at) == (
            "contact_check",
            None,
            event.at + timedelta(minutes=10),
        )
        with pytest.raises(ValidationFailed, match="is not an open contact_check visit"):
            record_visit(session, contact.id, "confirm_contact", visitor)
        record_visit(session, again.id, "confirm_contact", visitor)
        assert ticket.status == "in_service"
        final = next(v for v in ticket.visits if v.kind == "final")
        record_visit(session, final.id, "final_visit", visitor, satisfaction=2, timely=False, fee_paid=True)
        assert (ticket.status, final.satisfaction, final.timely) == ("closed", 2, False)
        credit = sorted((e.reason, e.points) for e in session.scalars(select(CreditEvent)))
        assert credit == [("late", -1), ("rating", -1)]


def test_a_final_visit_before_the_contact_check_skips_it(world: World, database: Database) -> None:
    with database.session() as session:
        ticket = ticket_at(session, world, "service", "accepted")
        apply(session, ticket, "final_visit", None, satisfaction=3, timely=True, fee_paid=False)
        assert [(v.kind, v.outcome) for v in ticket.visits] == [
            ("contact_check", "skipped"),
            ("final", "rated"),
        ]
        assert ticket.events[-1].data["skipped_visits"] == [ticket.visits[0].id]  # type: ignore[index]
