"""The ticket pages: opening each type of ticket from the form (and prefilled from a call), the service
loop walked through the pages by the agents of each role, refusals of the workflow (an illegal action,
a stale version, a missing role) that change nothing, search by every filter, and user text that
stays text."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from hotline.db.console_models import User
from hotline.db.models import Call, Member, Recording
from hotline.db.service_models import Ticket
from hotline.db.session import Database
from hotline.tickets.timing import local_day, now_utc
from tests.unit.consoletools import login
from tests.unit.ticketdata import MEMBER_PHONE
from tests.unit.ticketpages import (
    Center,
    act,
    act_ok,
    center,
    form_of,
    html_of,
    numbers_in,
    refusal_in,
    select_options,
    status_in,
    timeline_in,
    token_in,
)


@pytest.fixture
def c(console_app: Flask, console_db: Database) -> Center:
    return center(console_app, console_db)


def open_form(c: Center, role: str = "intake", **fields: str) -> tuple[int, str]:
    """Post the new-ticket form; (ticket id, its page)."""
    client = c.client(role)
    html = html_of(client, "/tickets/new")
    data = {"csrf_token": token_in(html), "type": "service", "urgency": "normal", "summary": "需要保姆",
            "county_id": str(c.world.counties["futian"]), "category_code": "family.nanny"}  # fmt: skip
    data.update(fields)
    response = client.post("/tickets/", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    ticket_id = int(re.fullmatch(r"/tickets/(\d+)", response.location).group(1))  # type: ignore[union-attr]
    return ticket_id, html_of(client, response.location)


@pytest.mark.parametrize("kind", ["service", "complaint", "suggestion"])
def test_each_type_is_opened_from_the_form_and_waits_for_dispatch(c: Center, kind: str) -> None:
    ticket_id, html = open_form(c, type=kind, urgency="urgent", contact_name="王先生",
                                contact_phone="13900139000", address="福田区深南大道1号")  # fmt: skip
    assert status_in(html) == "new" and 'id="ticket-number"' in html
    assert timeline_in(html) == [("open", "Ivy Intake")]
    ticket = c.load(ticket_id)
    assert (ticket.type, ticket.urgency, ticket.contact_phone) == (kind, "urgent", "13900139000")
    assert re.fullmatch(r"\d{8}-\d{4}", ticket.number) and ticket.number in html
    assert ticket.member_id is not None  # whoever calls once becomes a member


def test_a_consultation_answered_when_opened_is_closed_at_once(c: Center) -> None:
    ticket_id, html = open_form(
        c, type="consultation", summary="家政服务怎么收费？", answer="按小时计费，每小时40元"
    )
    assert status_in(html) == "closed"
    assert timeline_in(html) == [("open", "Ivy Intake"), ("answer", "Ivy Intake")]
    assert "按小时计费，每小时40元" in html and c.load(ticket_id).closed_at is not None
    assert re.findall(r'<form [^>]*id="action-(\w+)"', html) == ["comment"]  # all that is left


def test_a_form_with_a_missing_summary_is_shown_again_with_the_field_marked(c: Center) -> None:
    client = c.client("intake")
    token = token_in(html_of(client, "/tickets/new"))
    response = client.post("/tickets/", data={"csrf_token": token, "type": "service", "urgency": "normal",
                                              "summary": "  ", "address": "留着"})  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-field="summary"' in html and 'value="留着"' in html
    with c.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0


def test_the_service_loop_walks_through_the_pages_with_every_actor_on_the_timeline(c: Center) -> None:
    ticket_id, html = open_form(c)
    dispatcher, visitor = c.client("dispatcher"), c.client("visitor")

    page = html_of(dispatcher, f"/tickets/{ticket_id}")
    merchants = c.world.merchants
    expected = [merchants[n] for n in ("nanny_a", "nanny_b", "family_all")]  # best credit first
    assert select_options(page, "merchant") == [str(m) for m in expected]
    assert 'id="do-dispatch"' in form_of(page, "action-dispatch")
    html = act_ok(dispatcher, ticket_id, "dispatch", merchant_id=merchants["nanny_a"], fee="150.50")
    assert status_in(html) == "dispatched" and f'data-merchant="{merchants["nanny_a"]}"' in html

    html = act_ok(dispatcher, ticket_id, "accept")
    assert status_in(html) == "accepted"
    assert re.findall(r'data-kind="(\w+)" data-done="0"', html) == ["contact_check", "final"]

    assert "action-confirm_contact" in html_of(visitor, f"/tickets/{ticket_id}")
    html = act_ok(visitor, ticket_id, "confirm_contact", note="商户已联系")
    assert status_in(html) == "in_service"
    html = act_ok(
        visitor, ticket_id, "final_visit", satisfaction=5, timely="yes", fee_paid="yes", fee="150.50"
    )
    assert status_in(html) == "closed"
    assert timeline_in(html) == [
        ("open", "Ivy Intake"),
        ("dispatch", "Dan Dispatch"),
        ("accept", "Dan Dispatch"),
        ("confirm_contact", "Vera Visit"),
        ("final_visit", "Vera Visit"),
    ]
    assert re.findall(r'data-kind="(\w+)" data-done="1"', html) == ["contact_check", "final"]
    assert "¥150.50" in html and "商户已联系" in html
    with c.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert (
            ticket is not None and ticket.closed_at is not None and ticket.merchant_id == merchants["nanny_a"]
        )


def test_a_refused_ticket_is_dispatched_again_to_another_merchant(c: Center) -> None:
    ticket_id, _html = open_form(c)
    dispatcher, merchants = c.client("dispatcher"), c.world.merchants
    act_ok(dispatcher, ticket_id, "dispatch", merchant_id=merchants["nanny_a"])
    html = act_ok(dispatcher, ticket_id, "refuse", note="人手不够")
    assert status_in(html) == "new" and "人手不够" in html
    # the merchant that refused is offered last, flagged, and only with the override
    options = select_options(html, "merchant")
    assert options[-1] == str(merchants["nanny_a"]) and 'id="allow-refused"' in html
    response = act(dispatcher, ticket_id, "dispatch", merchant_id=merchants["nanny_a"])
    assert refusal_in(html_of(dispatcher, response.location))[0] == "merchant-not-eligible"  # type: ignore[index]

    act_ok(dispatcher, ticket_id, "dispatch", merchant_id=merchants["nanny_b"])
    html = act_ok(dispatcher, ticket_id, "accept")
    assert status_in(html) == "accepted"
    assert [a for a, _who in timeline_in(html)] == ["open", "dispatch", "refuse", "dispatch", "accept"]
    assert re.findall(r'data-status="(\w+)" data-merchant', html) == ["refused", "accepted"]


def test_an_illegal_action_is_refused_with_a_clear_message_and_changes_nothing(c: Center) -> None:
    ticket_id, number = c.ticket("consultation", "closed")
    before = c.load(ticket_id)
    dispatcher = c.client("dispatcher")
    response = act(dispatcher, ticket_id, "dispatch", merchant_id=c.world.merchants["nanny_a"])
    assert response.status_code == 303
    refused = refusal_in(html_of(dispatcher, response.location))
    assert refused is not None and refused[0] == "illegal-transition"
    assert number in refused[1] and "已办结" in refused[1] and "派单" in refused[1]  # Chinese by default
    after = c.load(ticket_id)
    assert (after.status, after.version) == (before.status, before.version)
    assert refusal_in(html_of(dispatcher, f"/tickets/{ticket_id}")) is None  # shown once

    # a client asking for JSON gets the core's status code
    html = html_of(dispatcher, f"/tickets/{ticket_id}")
    data = {"csrf_token": token_in(html), "version": str(after.version)}
    json_client = {"Accept": "application/json"}
    response = dispatcher.post(f"/tickets/{ticket_id}/actions/dispatch", headers=json_client, data=data)
    assert response.status_code == 409 and response.get_json()["error_id"] == "illegal-transition"


def test_an_action_of_another_role_is_refused_with_the_roles_it_needs(c: Center) -> None:
    ticket_id, _number = c.ticket("service", "new")
    visitor = c.client("visitor")
    assert 'id="action-dispatch"' not in html_of(visitor, f"/tickets/{ticket_id}")  # not offered
    response = act(visitor, ticket_id, "dispatch", merchant_id=c.world.merchants["nanny_a"])
    error_id, message = refusal_in(html_of(visitor, response.location))  # type: ignore[misc]
    assert error_id == "not-allowed" and "派单座席" in message
    assert c.load(ticket_id).status == "new"


def test_a_form_of_a_stale_version_is_refused(c: Center) -> None:
    ticket_id, _number = c.ticket("service", "new")
    dispatcher, supervisor = c.client("dispatcher"), c.client("supervisor")
    seen = html_of(dispatcher, f"/tickets/{ticket_id}")
    act_ok(supervisor, ticket_id, "comment", note="会员来电催办")  # meanwhile
    stale = re.search(r'data-version="(\d+)"', seen).group(1)  # type: ignore[union-attr]
    response = act(dispatcher, ticket_id, "dispatch", version=stale, merchant_id=c.world.merchants["nanny_a"])
    error_id, message = refusal_in(html_of(dispatcher, response.location))  # type: ignore[misc]
    assert error_id == "ticket-changed" and "其他人" in message
    ticket = c.load(ticket_id)
    assert ticket.status == "new" and ticket.merchant_id is None


def test_a_bad_field_is_refused_with_the_field_named(c: Center) -> None:
    ticket_id, _number = c.ticket("service", "in_service")
    visitor = c.client("visitor")
    response = act(visitor, ticket_id, "final_visit", satisfaction=9, timely="yes", fee_paid="yes", fee="abc")
    error_id, message = refusal_in(html_of(visitor, response.location))  # type: ignore[misc]
    assert error_id == "invalid-input" and "费用" in message
    response = act(visitor, ticket_id, "final_visit", satisfaction=9, timely="yes", fee_paid="yes")
    error_id, message = refusal_in(html_of(visitor, response.location))  # type: ignore[misc]
    assert error_id == "invalid-input" and "满意度" in message
    assert c.load(ticket_id).status == "in_service"


def test_the_new_ticket_form_is_prefilled_from_a_call_and_linked_to_it(c: Center) -> None:
    with c.db.session() as s:
        call = Call(uid="c" * 40, caller_number="+86 138 0013 8001", dialed_number="10109366", via="ari",
                    county_id=c.world.counties["luohu"], category_code="family.nanny",
                    urgency="urgent")  # fmt: skip
        s.add(call)
        s.flush()
        recording = Recording(call_id=call.id, path="/var/spool/x.wav", duration_s=31.0)
        s.add(recording)
        s.flush()
        call_id, recording_id = call.id, recording.id
    client = c.client("intake")
    html = html_of(client, f"/tickets/new?call={call_id}")
    assert (
        f'name="call_id" value="{call_id}"' in html and f'name="member_id" value="{c.world.member}"' in html
    )
    assert re.search(r'<option value="family.nanny" selected>', html)
    assert re.search(rf'<option value="{c.world.counties["luohu"]}" selected>', html)
    assert re.search(r'<option value="urgent" selected>', html)
    assert f'value="{MEMBER_PHONE}"' in html and "周女士" in html
    assert f'<audio class="recording" controls preload="none" src="/recordings/{recording_id}"' in html

    data = {
        name: value for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html)
    }
    data.update(type="service", urgency="urgent", summary="住家保姆", category_code="family.nanny",
                county_id=str(c.world.counties["luohu"]), contact_phone=MEMBER_PHONE)  # fmt: skip
    response = client.post("/tickets/", data=data)
    assert response.status_code == 303
    page = html_of(client, response.location)
    assert f'src="/recordings/{recording_id}"' in page and 'id="call-caller"' in page
    ticket = c.load(int(response.location.rsplit("/", 1)[1]))
    assert (ticket.call_id, ticket.member_id, ticket.urgency) == (call_id, c.world.member, "urgent")
    assert html_of(client, "/tickets/new?call=999999", status=404)


def test_user_text_is_shown_as_text(c: Center) -> None:
    with c.db.session() as s:
        member = s.get(Member, c.world.member)
        assert member is not None
        member.name = "<script>alert('name')</script>"
    ticket_id, _html = open_form(c, type="consultation", summary='<img src=x onerror="alert(1)">',
                                 answer="<b>bold</b><script>alert('answer')</script>",
                                 contact_phone=MEMBER_PHONE)  # fmt: skip
    html = html_of(c.client("intake"), f"/tickets/{ticket_id}")
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    search = html_of(c.client("intake"), f"/tickets/?phone={MEMBER_PHONE}")
    assert "<script>alert" not in search and "<img src=x" not in search


def search(c: Center, query: str) -> list[str]:
    return numbers_in(html_of(c.client("supervisor"), f"/tickets/?{query}"), "tickets")


def test_tickets_are_found_by_each_filter(c: Center) -> None:
    w = c.world
    _i, old = c.ticket("complaint", "new", ago=timedelta(days=4), county_id=w.counties["luohu"])
    _i, served = c.ticket("service", "accepted", urgency="critical")
    _i, suggestion = c.ticket("suggestion", "forwarded", member_id=None, county_id=w.counties["nanshan"])
    _i, consultation = c.ticket("consultation", "closed")
    everyone = {old, served, suggestion, consultation}
    assert set(search(c, "")) == everyone
    assert search(c, f"number={served.replace('-', '')}") == [served]
    assert set(search(c, f"phone=%2B86{MEMBER_PHONE}")) == {old, served, consultation}
    assert search(c, "status=accepted") == [served]
    assert search(c, "type=suggestion") == [suggestion]
    assert search(c, "urgency=critical") == [served]
    assert search(c, f"county={w.counties['luohu']}") == [old]
    assert search(c, f"merchant={w.merchants['nanny_a']}") == [served]
    today = local_day(now_utc())
    assert set(search(c, f"from={today}&to={today}")) == {served, suggestion, consultation}
    assert search(c, f"to={today - timedelta(days=1)}") == [old]
    assert search(c, "open=1&type=consultation") == []
    assert search(c, "overdue=1") == [old]  # a complaint is due in 72 hours
    assert search(c, "number=20200101-0001") == []
    page = html_of(c.client("supervisor"), "/tickets/?from=not-a-day")
    assert 'id="search-errors"' in page


def test_an_area_manager_sees_the_tickets_of_its_county_only(c: Center) -> None:
    luohu_id, luohu = c.ticket("complaint", "new", county_id=c.world.counties["luohu"])
    futian_id, _futian = c.ticket("complaint", "new")
    c.client("area_manager")  # amy
    with c.db.session() as s:
        user = s.scalars(select(User).where(User.username == "amy")).one()
        user.county_id = c.world.counties["luohu"]
    manager = c.app.test_client()  # logged in again: the session knows the county
    assert login(manager, "amy").status_code == 302
    assert numbers_in(html_of(manager, "/tickets/"), "tickets") == [luohu]
    assert 'id="county-scope"' in html_of(manager, "/tickets/")
    html_of(manager, f"/tickets/{luohu_id}")
    assert 'data-error-id="outside-area"' in html_of(manager, f"/tickets/{futian_id}", status=403)


def test_the_ticket_page_shows_the_english_labels_to_an_english_user(c: Center) -> None:
    ticket_id, _number = c.ticket("service", "dispatched")
    html = html_of(c.client("dispatcher"), f"/tickets/{ticket_id}?lang=en")
    assert "Offered to a merchant" in html and "Merchant accepts" in html and "Timeline" in html
    assert html_of(c.client("dispatcher"), "/tickets/424242", status=404)
