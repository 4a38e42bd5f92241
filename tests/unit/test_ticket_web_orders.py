"""Web orders: validated on the way in, verified by an intake agent into a web service ticket of the
member, or rejected with a reason; never both, never twice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.db.console_models import AuditEntry
from hotline.db.models import Member
from hotline.db.service_models import WebOrder
from hotline.db.session import Database
from hotline.tickets.errors import NotAllowed, NotFound, ValidationFailed, WebOrderClosed
from hotline.tickets.weborders import (
    create_web_order,
    pending_web_orders,
    reject_web_order,
    rejection_reason,
    verify_web_order,
)
from tests.unit.ticketdata import T0, World, build_world, user


@pytest.fixture
def world(database: Database) -> World:
    return build_world(database)


def order(database: Database, world: World, phone: str = "139 0013 9000", **changes: object) -> int:
    values: dict[str, object] = {
        "name": " 钱女士 ",
        "phone": phone,
        "description": "想找一位钟点工，每周两次打扫卫生",
        "county_id": world.counties["futian"],
        "category_code": "family.cleaning",
        "address": "福田区福华路3号",
        "remote_addr": "203.0.113.9",
        "now": T0,
    }
    with database.session() as session:
        return create_web_order(session, **(values | changes)).id  # type: ignore[arg-type]


def test_an_order_is_stored_pending_with_its_phone_normalised(world: World, database: Database) -> None:
    order_id = order(database, world, phone="+86 139-0013-9000")
    with database.session() as session:
        (pending,) = pending_web_orders(session)
        assert (pending.id, pending.name, pending.phone, pending.status) == (
            order_id,
            "钱女士",
            "13900139000",
            "pending",
        )
        assert pending.created_at == T0 and pending.remote_addr == "203.0.113.9"
        assert pending_web_orders(session, county_id=world.counties["luohu"]) == []


def test_a_bad_order_lists_every_wrong_field(world: World, database: Database) -> None:
    with database.session() as session, pytest.raises(ValidationFailed) as caught:
        create_web_order(
            session,
            name=" ",
            phone="12345",
            description="保洁",
            county_id=999,
            category_code="family.pets",
            address="x" * 300,
        )
    assert caught.value.errors == {
        "phone": "'12345' is not a phone number a member can be called back on",
        "name": "is required",
        "description": "says too little: at least 5 characters",
        "county_id": "there is no county 999",
        "category_code": "there is no service category family.pets",
        "address": "has 300 characters, at most 255 are allowed",
    }
    with database.session() as session, pytest.raises(ValidationFailed, match="description: has 2001"):
        create_web_order(session, name="钱", phone="13900139000", description="长" * 2001)


def test_verifying_makes_the_member_and_a_web_service_ticket(world: World, database: Database) -> None:
    order_id = order(database, world)
    with database.session() as session:
        intake = user(session, "intake")
        ticket = verify_web_order(session, order_id, intake, urgency="urgent", now=T0)
        member = session.scalars(select(Member).where(Member.phone == "13900139000")).one()
        assert (member.name, member.source, member.address) == ("钱女士", "web", "福田区福华路3号")
        assert (ticket.type, ticket.status, ticket.source, ticket.urgency) == (
            "service",
            "new",
            "web",
            "urgent",
        )
        assert (ticket.member_id, ticket.category_code, ticket.summary) == (
            member.id,
            "family.cleaning",
            "想找一位钟点工，每周两次打扫卫生",
        )
        (opened,) = ticket.events
        assert (opened.action, opened.actor_id, opened.note) == (
            "open",
            intake.id,
            "网站订单，已电话回访核实",
        )
        assert opened.data == {"source": "web", "urgency": "urgent", "web_order_id": order_id}
        verified = session.get(WebOrder, order_id)
        assert verified is not None
        assert (verified.status, verified.ticket_id, verified.member_id) == ("verified", ticket.id, member.id)
        assert (verified.verified_by_id, verified.verified_at) == (intake.id, T0)
        assert pending_web_orders(session) == []
    with database.session() as session, pytest.raises(WebOrderClosed) as caught:
        verify_web_order(session, order_id, user(session, "intake"))
    assert (caught.value.status_code, caught.value.error_id) == (409, "web-order-not-pending")


def test_an_existing_member_is_reused_and_not_overwritten(world: World, database: Database) -> None:
    order_id = order(database, world, phone="+8613800138001", name="周小姐")
    with database.session() as session:
        ticket = verify_web_order(
            session, order_id, user(session, "supervisor"), summary="每周二、五上午保洁"
        )
        assert ticket.member_id == world.member and ticket.summary == "每周二、五上午保洁"
        assert session.get(Member, world.member).name == "周女士"  # type: ignore[union-attr]
        assert ticket.contact_name == "周小姐"


def test_rejecting_keeps_the_reason_and_closes_the_order(world: World, database: Database) -> None:
    order_id = order(database, world)
    with database.session() as session:
        with pytest.raises(ValidationFailed, match="reason: is required"):
            reject_web_order(session, order_id, user(session, "intake"), " ")
        rejected = reject_web_order(session, order_id, user(session, "intake"), "电话空号，无法核实", now=T0)
        assert (rejected.status, rejected.ticket_id, rejected.verified_at) == ("rejected", None, T0)
        entry = session.scalars(select(AuditEntry)).one()
        assert (entry.action, entry.object_type, entry.object_id) == (
            "web_order.reject",
            "web_order",
            str(order_id),
        )
        assert rejection_reason(session, order_id) == "电话空号，无法核实"
        assert rejection_reason(session, order_id + 1) is None
        with pytest.raises(WebOrderClosed, match="is rejected, not pending"):
            verify_web_order(session, order_id, user(session, "intake"))


def test_only_intake_supervisors_and_admins_handle_web_orders(world: World, database: Database) -> None:
    order_id = order(database, world)
    with database.session() as session:
        for name in ("dispatcher", "visitor", "area_manager", "nobody", "inactive"):
            with pytest.raises(NotAllowed):
                verify_web_order(session, order_id, user(session, name))
            with pytest.raises(NotAllowed, match="may not reject web orders"):
                reject_web_order(session, order_id, user(session, name), "不是真实需求")
        with pytest.raises(NotFound) as caught:
            verify_web_order(session, 999, user(session, "admin"))
        assert caught.value.error_id == "web-order-not-found"
        with pytest.raises(ValidationFailed, match="urgency"):
            verify_web_order(session, order_id, user(session, "admin"), urgency="asap")
        assert session.get(WebOrder, order_id).status == "pending"  # type: ignore[union-attr]
