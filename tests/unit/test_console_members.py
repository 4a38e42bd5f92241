"""The member pages: created from the desk's form and from this page, one member per phone number
however it is written, found by phone or name, with their calls (and recordings) and tickets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from hotline.db.models import Call, County, Member, Recording
from hotline.db.service_models import Ticket
from hotline.db.session import Database
from tests.unit.consoletools import client_of, csrf_token

NOW = datetime.now(UTC)
EVIL = '<script>alert("x")</script>'


def post(client: FlaskClient, path: str, data: dict[str, str]) -> TestResponse:
    return client.post(path, data={"csrf_token": csrf_token(client, "/members/"), **data})


def members(db: Database) -> list[Member]:
    with db.session() as s:
        return list(s.scalars(select(Member).order_by(Member.id)))


def test_the_desk_creates_a_member_and_goes_back_to_the_desk(
    console_app: Flask, console_db: Database
) -> None:
    with console_db.session() as s:
        county = County(code="futian", name_zh="福田区", name_en="Futian")
        s.add(county)
        s.flush()
        futian = county.id
    agent = client_of(console_app, console_db, "amy", ["intake"])

    response = post(agent, "/members/", {"phone": "+86 138-0013-8999", "name": "钱女士", "next": "/desk/"})
    full = post(agent, "/members/", {"phone": "0755 2688 0001", "name": "吴先生", "county": "futian",
                                     "address": "福华路1号"})  # fmt: skip

    assert response.status_code == 303 and response.location == "/desk/"
    first, second = members(console_db)
    assert (first.phone, first.name, first.source) == ("13800138999", "钱女士", "console")
    assert full.status_code == 303 and full.location == f"/members/{second.id}"
    assert (second.phone, second.county_id, second.address) == ("075526880001", futian, "福华路1号")


def test_the_same_number_written_differently_is_the_same_member(
    console_app: Flask, console_db: Database
) -> None:
    agent = client_of(console_app, console_db, "amy", ["intake"])
    first = post(agent, "/members/", {"phone": "13800138999", "name": "钱女士", "next": "/desk/"})
    assert first.status_code == 303

    for spelling in ("+86 138 0013 8999", "138-0013-8999", "0086 13800138999", "+8613800138999"):
        again = post(agent, "/members/", {"phone": spelling, "name": "另一个人", "next": "/desk/"})
        (member,) = members(console_db)
        assert again.status_code == 303
        assert again.location.startswith(f"/members/{member.id}?next=")  # the existing member is shown
    assert member.name == "钱女士"
    page = agent.get(again.location).get_data(as_text=True)
    assert "此电话号码已属于会员 钱女士：未重复建立会员。" in page
    assert '<a href="/desk/" id="member-back">' in page


def test_an_unusable_phone_is_refused_clearly_and_the_form_kept(
    console_app: Flask, console_db: Database
) -> None:
    agent = client_of(console_app, console_db, "amy", ["intake"])

    for phone in ("12345", "not a number", "", "10109366"):
        response = post(agent, "/members/", {"phone": phone, "name": "钱女士", "next": "/desk/"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, phone
        assert 'id="phone-error"' in html and 'value="钱女士"' in html and 'value="/desk/"' in html
    english = agent.post(
        "/members/?lang=en", data={"csrf_token": csrf_token(agent), "phone": "12345", "name": "x"}
    ).get_data(as_text=True)
    assert "not a phone number we can call back" in english
    assert members(console_db) == []


def test_next_must_be_a_page_of_the_console(console_app: Flask, console_db: Database) -> None:
    agent = client_of(console_app, console_db, "amy", ["intake"])

    response = post(
        agent, "/members/", {"phone": "13800138999", "name": "钱", "next": "https://evil.example/"}
    )

    (member,) = members(console_db)
    assert response.status_code == 303 and response.location == f"/members/{member.id}"


def seed(db: Database) -> int:
    """Members 周 (futian, with a call, its recording and a ticket) and 吴 (no history)."""
    with db.session() as s:
        county = County(code="futian", name_zh="福田区", name_en="Futian")
        zhou = Member(phone="13800138001", name="周女士", county=county, address="福华路1号", created_at=NOW)
        wu = Member(phone="075526880001", name="吴先生", created_at=NOW - timedelta(days=1))
        s.add_all([county, zhou, wu])
        s.flush()
        call = Call(
            uid="c" * 40,
            caller_number="+8613800138001",
            dialed_number="10109366",
            via="ari",
            entered_at=NOW - timedelta(hours=2),
            disposition="answered",
        )
        s.add(call)
        s.flush()
        s.add(Recording(call_id=call.id, path="/r.wav", duration_s=61.0))
        s.add(
            Ticket(
                number="20261120-0007", type="service", status="new", member_id=zhou.id, summary="住家保姆"
            )
        )
        return zhou.id


def test_search_finds_by_phone_any_spelling_and_by_name(console_app: Flask, console_db: Database) -> None:
    seed(console_db)
    agent = client_of(console_app, console_db, "vic", ["visitor"])

    def found(query: str) -> list[str]:
        html = agent.get("/members/", query_string={"q": query}).get_data(as_text=True)
        return [name for name in ("周女士", "吴先生") if name in html]

    assert found("+86 138 0013 8001") == ["周女士"]
    assert found("0755-2688-0001") == ["吴先生"]
    assert found("2688") == ["吴先生"]
    assert found("周") == ["周女士"]
    assert found("") == ["周女士", "吴先生"]
    assert found("%") == [] and found("无此人") == []


def test_the_list_is_paginated(console_app: Flask, console_db: Database) -> None:
    with console_db.session() as s:
        s.add_all(
            Member(phone=f"139{i:08d}", name=f"会员{i}", created_at=NOW - timedelta(minutes=i))
            for i in range(30)
        )
    agent = client_of(console_app, console_db, "dan", ["dispatcher"])

    first = agent.get("/members/").get_data(as_text=True)
    second = agent.get("/members/?page=2").get_data(as_text=True)

    assert "会员0<" in first and "会员24<" in first and "会员25<" not in first
    assert 'id="page-next"' in first and "会员25<" in second and 'id="page-prev"' in second


def test_a_members_page_links_calls_recordings_and_tickets(console_app: Flask, console_db: Database) -> None:
    zhou = seed(console_db)
    agent = client_of(console_app, console_db, "sue", ["supervisor"])

    html = agent.get(f"/members/{zhou}").get_data(as_text=True)

    with console_db.session() as s:
        recording = s.scalars(select(Recording)).one()
        ticket = s.scalars(select(Ticket)).one()
    assert 'id="member-name">周女士<' in html and "福田区" in html and "福华路1号" in html
    assert f'href="/recordings/{recording.id}"' in html and "(61s)" in html
    assert f'href="/tickets/{ticket.id}"' in html and "20261120-0007" in html
    assert agent.get("/members/999999").status_code == 404


def test_editing_a_member_keeps_one_member_per_number(console_app: Flask, console_db: Database) -> None:
    zhou = seed(console_db)
    agent = client_of(console_app, console_db, "amy", ["intake"])
    assert 'value="13800138001"' in agent.get(f"/members/{zhou}/edit").get_data(as_text=True)
    fields = {"phone": "138 0013 8001", "name": "周红", "county": "", "address": "新地址", "notes": "怕狗"}

    saved = post(agent, f"/members/{zhou}/edit", fields)
    taken = post(agent, f"/members/{zhou}/edit", fields | {"phone": "0755 2688 0001"})
    empty = post(agent, f"/members/{zhou}/edit", fields | {"name": " "})

    assert saved.status_code == 303
    assert taken.status_code == 422 and 'id="duplicate-member"' in taken.get_data(as_text=True)
    assert empty.status_code == 422 and 'id="name-error"' in empty.get_data(as_text=True)
    with console_db.session() as s:
        member = s.get(Member, zhou)
        assert member is not None
        assert (member.name, member.phone, member.address, member.notes) == (
            "周红",
            "13800138001",
            "新地址",
            "怕狗",
        )
        assert s.scalar(select(func.count()).select_from(Member)) == 2


def test_members_are_refused_to_area_managers(console_app: Flask, console_db: Database) -> None:
    manager = client_of(console_app, console_db, "max", ["area_manager"])

    assert manager.get("/members/").status_code == 403
    assert post(manager, "/members/", {"phone": "13800138999", "name": "x"}).status_code == 403


def test_html_in_a_member_name_is_shown_as_text_everywhere(console_app: Flask, console_db: Database) -> None:
    agent = client_of(console_app, console_db, "amy", ["intake"])
    post(agent, "/members/", {"phone": "13800138999", "name": EVIL, "address": EVIL})
    (member,) = members(console_db)
    flashed = agent.get(f"/members/{member.id}").get_data(as_text=True)  # with the "created" flash

    pages = [
        flashed,
        agent.get("/members/").get_data(as_text=True),
        agent.get(f"/members/{member.id}/edit").get_data(as_text=True),
    ]
    for html in pages:
        assert EVIL not in html and "&lt;script&gt;" in html
