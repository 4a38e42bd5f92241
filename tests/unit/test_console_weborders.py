"""The web-order page: pending orders oldest first; after calling the member back, the intake agent
verifies one (with corrections) into a service ticket of the member, or rejects it with a reason."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from hotline.db.console_models import AuditEntry
from hotline.db.models import Member
from hotline.db.service_models import Ticket, WebOrder
from hotline.db.session import Database
from hotline.tickets import create_web_order
from hotline.tickets.weborders import rejection_reason
from tests.unit.consoletools import client_of, csrf_token
from tests.unit.ticketdata import MEMBER_PHONE, T0, World

EVIL = "<script>document.title='pwned'</script>"


def order(db: Database, world: World, minutes: int, **changes: object) -> int:
    values: dict[str, object] = {
        "name": "钱女士",
        "phone": "139 0013 9000",
        "description": "想找一位钟点工，每周两次打扫卫生",
        "county_id": world.counties["futian"],
        "category_code": "family.cleaning",
        "address": "福田区福华路3号",
        "now": T0 + timedelta(minutes=minutes),
    }
    with db.session() as s:
        return create_web_order(s, **(values | changes)).id  # type: ignore[arg-type]


def post(client: FlaskClient, path: str, data: dict[str, str]) -> TestResponse:
    return client.post(path, data={"csrf_token": csrf_token(client, "/weborders/"), **data})


def test_pending_orders_are_listed_oldest_first(
    console_app: Flask, console_db: Database, world: World
) -> None:
    late = order(console_db, world, 30, name="晚到")
    early = order(console_db, world, 0, name="早到", county_id=world.counties["luohu"])
    agent = client_of(console_app, console_db, "amy", ["intake"])

    html = agent.get("/weborders/").get_data(as_text=True)
    only_luohu = agent.get("/weborders/?county=luohu").get_data(as_text=True)

    assert re.findall(r'data-order-id="(\d+)"', html) == [str(early), str(late)]
    assert f"W{early:06d}" in html and "钟点工" in html and f'id="verify-{early}"' in html
    assert re.findall(r'data-order-id="(\d+)"', only_luohu) == [str(early)]


def test_verifying_an_order_opens_a_service_ticket_of_a_new_member(
    console_app: Flask, console_db: Database, world: World
) -> None:
    order_id = order(console_db, world, 0)
    agent = client_of(console_app, console_db, "amy", ["intake"])

    response = post(
        agent,
        f"/weborders/{order_id}/verify",
        {
            "name": "钱红",
            "category": "family.nanny",
            "description": "住家保姆，照顾老人",
            "urgency": "urgent",
        },
    )

    with console_db.session() as s:
        ticket = s.scalars(select(Ticket)).one()
        member = s.scalars(select(Member).where(Member.phone == "13900139000")).one()
        web = s.get(WebOrder, order_id)
        assert response.status_code == 303 and response.location == f"/tickets/{ticket.id}"
        assert (ticket.type, ticket.source, ticket.status, ticket.member_id) == (
            "service",
            "web",
            "new",
            member.id,
        )
        assert (ticket.summary, ticket.contact_name, ticket.category_code) == (
            "住家保姆，照顾老人",
            "钱红",
            "family.nanny",
        )
        assert ticket.urgency == "urgent" and member.name == "钱红" and member.source == "web"
        assert web is not None and (web.status, web.ticket_id, web.member_id) == (
            "verified",
            ticket.id,
            member.id,
        )
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "web_order.verify")).one()
        assert audit.detail == {
            "ticket": ticket.number,
            "corrected": {
                "name": ["钱女士", "钱红"],
                "category_code": ["family.cleaning", "family.nanny"],
                "summary": True,
            },
        }
    assert "data-order-id" not in agent.get("/weborders/").get_data(as_text=True)


def test_an_order_of_a_known_member_joins_their_record(
    console_app: Flask, console_db: Database, world: World
) -> None:
    order_id = order(console_db, world, 0, phone="+86 " + MEMBER_PHONE)
    agent = client_of(console_app, console_db, "sue", ["supervisor"])

    assert post(agent, f"/weborders/{order_id}/verify", {}).status_code == 303

    with console_db.session() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert ticket.member_id == world.member and ticket.summary.startswith("想找一位钟点工")
        assert ticket.category_code == "family.cleaning"
        assert s.scalar(select(func.count()).select_from(Member)) == 1


def test_rejecting_needs_a_reason_and_keeps_it(
    console_app: Flask, console_db: Database, world: World
) -> None:
    order_id = order(console_db, world, 0)
    agent = client_of(console_app, console_db, "amy", ["intake"])

    empty = post(agent, f"/weborders/{order_id}/reject", {"reason": "  "})
    done = post(agent, f"/weborders/{order_id}/reject", {"reason": "电话空号，无法核实"})
    again = post(agent, f"/weborders/{order_id}/reject", {"reason": "再次"})
    verify_after = post(agent, f"/weborders/{order_id}/verify", {})

    assert empty.status_code == 422 and f'id="reject-{order_id}-reason-error"' in empty.get_data(as_text=True)
    assert done.status_code == 303 and done.location == "/weborders/"
    assert again.status_code == 409 and verify_after.status_code == 409
    assert 'data-error-id="web-order-not-pending"' in again.get_data(as_text=True)
    with console_db.session() as s:
        assert s.get(WebOrder, order_id).status == "rejected"  # type: ignore[union-attr]
        assert rejection_reason(s, order_id) == "电话空号，无法核实"
        assert s.scalars(select(Ticket)).all() == []


def test_wrong_corrections_are_refused_and_nothing_changes(
    console_app: Flask, console_db: Database, world: World
) -> None:
    order_id = order(console_db, world, 0)
    agent = client_of(console_app, console_db, "amy", ["intake"])

    response = post(agent, f"/weborders/{order_id}/verify", {"category": "no.such", "description": "短"})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        f'id="verify-{order_id}-category-error"' in html
        and f'id="verify-{order_id}-description-error"' in html
    )
    assert ">短</textarea>" in html
    with console_db.session() as s:
        assert s.get(WebOrder, order_id).status == "pending"  # type: ignore[union-attr]
    assert post(agent, "/weborders/99999/verify", {}).status_code == 404


@pytest.mark.parametrize("role", ["dispatcher", "visitor", "area_manager"])
def test_web_orders_are_refused_to_other_roles(
    console_app: Flask, console_db: Database, world: World, role: str
) -> None:
    order_id = order(console_db, world, 0)
    user = client_of(console_app, console_db, f"{role}-user", [role])

    assert user.get("/weborders/").status_code == 403
    assert post(user, f"/weborders/{order_id}/verify", {}).status_code == 403
    assert post(user, f"/weborders/{order_id}/reject", {"reason": "x"}).status_code == 403


def test_html_in_an_order_is_shown_as_text(console_app: Flask, console_db: Database, world: World) -> None:
    order(console_db, world, 0, name=EVIL[:64], description=EVIL, address=EVIL)
    html = client_of(console_app, console_db, "amy", ["intake"]).get("/weborders/").get_data(as_text=True)

    assert "<script>document" not in html and "&lt;script&gt;document.title=" in html
