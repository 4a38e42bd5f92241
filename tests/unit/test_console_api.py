"""The JSON API (/api/v1): bearer tokens only, calls, tickets and members, every workflow action through
the ticket core under the same role rules as the pages, errors as JSON contracts, pages with next links."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hotline.db.session import Database
from tests.unit import ticketdata
from tests.unit.calltools import T0, add_call, recordings_dir, write_wav
from tests.unit.consoletools import client_of, token_of
from tests.unit.ticketdata import World, build_world
from webconsole.auth import access_of


class Api:
    """A client of the API with one user's token."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, url: str) -> TestResponse:
        return self.client.get(url, headers=self.headers)

    def post(self, url: str, body: object) -> TestResponse:
        return self.client.post(url, json=body, headers=self.headers)

    def ok(self, url: str, body: object | None = None, status: int = 200) -> dict[str, Any]:
        response = self.get(url) if body is None else self.post(url, body)
        assert response.status_code == status, response.get_data(as_text=True)
        assert response.mimetype == "application/json"
        data = response.get_json()
        assert isinstance(data, dict)
        return data

    def act(self, ticket: dict[str, Any], action: str, **fields: object) -> dict[str, Any]:
        """Apply `action` at the ticket's version; the ticket as it is now."""
        body = {"version": ticket["version"], **fields}
        answer = self.ok(f"/api/v1/tickets/{ticket['id']}/actions/{action}", body)
        assert answer["event"]["action"] == action
        return dict(answer["ticket"])


@pytest.fixture
def world(console_db: Database) -> World:
    return build_world(console_db)


@pytest.fixture
def api(console_app: Flask, console_db: Database, world: World) -> dict[str, Api]:
    """An API client per user of the test world (one per role, "nobody" holds none)."""
    client = console_app.test_client()
    return {name: Api(client, token_of(console_db, name)) for name in ticketdata.USERS if name != "inactive"}


def error_of(response: TestResponse, status: int, error_id: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == error_id == body["error_id"] and body["message"], body
    return dict(body)


def new_ticket(api: Api, world: World, **changes: object) -> dict[str, Any]:
    body = {
        "type": "service",
        "summary": "住家保姆照顾老人",
        "county": "futian",
        "category_code": "family.nanny",
        "member_id": world.member,
        **changes,
    }
    return api.ok("/api/v1/tickets", body, status=201)


# ---- authentication ----


def test_a_token_is_required(console_app: Flask, console_db: Database, world: World) -> None:
    anonymous = console_app.test_client()
    for url in ("/api/v1/tickets", "/api/v1/calls", "/api/v1/members", "/api/v1/tickets/1"):
        response = anonymous.get(url)
        error_of(response, 401, "unauthenticated")
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="hotline"'
    error_of(
        anonymous.get("/api/v1/tickets", headers={"Authorization": "Bearer hlt_forged"}),
        401,
        "unauthenticated",
    )


def test_a_cookie_session_is_refused(console_app: Flask, console_db: Database) -> None:
    browser = client_of(console_app, console_db, "boss", ["supervisor", "intake"])

    error_of(browser.get("/api/v1/tickets"), 401, "unauthenticated")
    error_of(browser.post("/api/v1/tickets", json={"summary": "x"}), 401, "unauthenticated")


def test_a_role_without_rights_is_403(api: dict[str, Api]) -> None:
    error_of(api["area_manager"].get("/api/v1/calls"), 403, "forbidden")
    error_of(api["admin"].get("/api/v1/calls"), 403, "forbidden")
    error_of(api["area_manager"].get("/api/v1/members"), 403, "forbidden")
    error_of(api["dispatcher"].post("/api/v1/tickets", {"summary": "x"}), 403, "forbidden")
    error_of(api["nobody"].get("/api/v1/tickets"), 403, "forbidden")


# ---- tickets: the service loop end to end ----


def test_the_service_loop_end_to_end(api: dict[str, Api], world: World) -> None:
    opened = new_ticket(api["intake"], world)
    assert opened["status"] == "new" and opened["source"] == "api" and opened["county"] == "futian"
    assert opened["timeline"][0]["action"] == "open" and opened["timeline"][0]["actor"] == "api:intake"
    assert opened["available_actions"] == ["comment"]  # the intake agent's: dispatching is not theirs
    seen = api["dispatcher"].ok(opened["url"])
    assert seen["available_actions"] == ["dispatch", "comment"]

    ticket = api["dispatcher"].act(seen, "dispatch", merchant_id=world.merchants["nanny_a"], fee_cents=20000)
    assert ticket["status"] == "dispatched" and ticket["merchant"] == "nanny_a"
    assert [d["status"] for d in ticket["dispatches"]] == ["offered"]
    ticket = api["dispatcher"].act(ticket, "accept", note="商户确认")
    assert ticket["status"] == "accepted"
    assert sorted(v["kind"] for v in ticket["visits"]) == ["contact_check", "final"]

    visitor = api["visitor"]
    ticket = visitor.ok(ticket["url"])
    assert set(ticket["available_actions"]) >= {"confirm_contact", "final_visit", "redispatch"}
    check = next(v for v in ticket["visits"] if v["kind"] == "contact_check")
    ticket = visitor.act(ticket, "confirm_contact", visit_id=check["id"])
    assert ticket["status"] == "in_service"
    ticket = visitor.act(ticket, "final_visit", satisfaction=5, timely=True, fee_paid=True, fee_cents=20000)

    assert ticket["status"] == "closed" and ticket["closed_at"] is not None
    assert [e["action"] for e in ticket["timeline"]] == [
        "open", "dispatch", "accept", "confirm_contact", "final_visit",
    ]  # fmt: skip
    assert all(e["actor"].startswith("api:") for e in ticket["timeline"])
    final = next(v for v in ticket["visits"] if v["kind"] == "final")
    assert final["outcome"] == "rated" and final["satisfaction"] == 5 and final["done_at"].endswith("+00:00")
    assert ticket["dispatches"][0]["status"] == "accepted" and ticket["dispatches"][0]["fee_cents"] == 20000
    assert ticket["available_actions"] == ["comment"]


def test_the_detours_of_the_service_loop(api: dict[str, Api], world: World) -> None:
    boss = api["supervisor"]  # a supervisor stands in for every seat
    ticket = new_ticket(boss, world)
    ticket = boss.act(ticket, "dispatch", merchant_id=world.merchants["nanny_a"])
    ticket = boss.act(ticket, "refuse")
    assert ticket["status"] == "new" and ticket["merchant_id"] is None
    body = {"version": ticket["version"], "merchant_id": world.merchants["nanny_a"]}
    again = boss.post(f"{ticket['url']}/actions/dispatch", body)
    error_of(again, 409, "merchant-not-eligible")
    ticket = boss.act(ticket, "dispatch", merchant_id=world.merchants["nanny_b"])
    ticket = boss.act(ticket, "accept")
    ticket = boss.act(ticket, "recheck_contact")
    ticket = boss.act(ticket, "redispatch", note="商户无法联系会员")
    assert ticket["status"] == "new"
    ticket = boss.act(ticket, "comment", note="会员来电催办")
    ticket = boss.act(ticket, "cancel", note="会员取消")
    assert ticket["status"] == "cancelled"
    assert [d["status"] for d in ticket["dispatches"]] == ["refused", "withdrawn"]


@pytest.mark.parametrize("kind", ["consultation", "complaint", "suggestion"])
def test_every_type_walks_its_loop_through_the_api(api: dict[str, Api], world: World, kind: str) -> None:
    boss = api["supervisor"]
    ticket = new_ticket(boss, world, type=kind)
    for action in ticketdata.PATHS[kind]["closed"]:
        ticket = boss.act(ticket, action, **ticketdata.fields_for(action, world))
    assert ticket["status"] == "closed"


def test_a_consultation_answered_when_opened_is_closed(api: dict[str, Api], world: World) -> None:
    ticket = new_ticket(
        api["intake"], world, type="consultation", summary="社保卡在哪办", answer="各街道办均可办理"
    )

    assert ticket["status"] == "closed" and ticket["answer"] == "各街道办均可办理"
    assert [e["action"] for e in ticket["timeline"]] == ["open", "answer"]


def test_a_ticket_opened_from_a_call_takes_its_facts(
    api: dict[str, Api], world: World, console_db: Database
) -> None:
    call_id, _ = add_call(console_db, caller="13800138001", category_code="family.nanny", urgency="urgent",
                          county_id=world.counties["luohu"])  # fmt: skip

    ticket = api["intake"].ok("/api/v1/tickets", {"call_id": call_id, "summary": "找保姆"}, status=201)

    assert ticket["call_id"] == call_id and ticket["county"] == "luohu" and ticket["urgency"] == "urgent"
    assert ticket["category_code"] == "family.nanny" and ticket["member_id"] == world.member
    call = api["intake"].ok(f"/api/v1/calls/{call_id}")
    assert [t["id"] for t in call["tickets"]] == [ticket["id"]]


# ---- tickets: refusals ----


def test_an_illegal_action_is_409(api: dict[str, Api], world: World) -> None:
    ticket = new_ticket(api["supervisor"], world)

    body = error_of(api["supervisor"].post(f"{ticket['url']}/actions/accept", {"version": ticket["version"]}),
                    409, "illegal-transition")  # fmt: skip

    assert body["status"] == "new" and "dispatch" in body["allowed"]
    assert api["supervisor"].ok(ticket["url"])["status"] == "new"


def test_a_stale_version_is_409(api: dict[str, Api], world: World) -> None:
    ticket = new_ticket(api["supervisor"], world)
    api["supervisor"].act(ticket, "comment", note="第一次")

    stale = api["supervisor"].post(
        f"{ticket['url']}/actions/comment", {"version": ticket["version"], "note": "x"}
    )

    error_of(stale, 409, "ticket-changed")


def test_an_action_the_users_roles_do_not_allow_is_403(api: dict[str, Api], world: World) -> None:
    ticket = new_ticket(api["intake"], world)
    body = {"version": ticket["version"], "merchant_id": world.merchants["nanny_a"]}

    refused = error_of(api["intake"].post(f"{ticket['url']}/actions/dispatch", body), 403, "not-allowed")

    assert "dispatcher" in refused["roles"]
    error_of(
        api["visitor"].post(f"{ticket['url']}/actions/cancel", {"version": 1, "note": "x"}),
        403,
        "not-allowed",
    )


def test_an_area_manager_sees_only_its_countys_tickets(
    api: dict[str, Api], world: World, console_db: Database
) -> None:
    with console_db.session() as s:
        ticketdata.user(s, "area_manager").county_id = world.counties["luohu"]
    ticket = new_ticket(api["supervisor"], world)  # in futian

    error_of(api["area_manager"].get(ticket["url"]), 403, "outside-area")
    assert api["area_manager"].ok("/api/v1/tickets")["items"] == []
    assert api["area_manager"].ok("/api/v1/tickets?county=futian")["items"] == []


def test_validation_errors_name_the_fields(api: dict[str, Api], world: World) -> None:
    intake = api["intake"]

    missing = error_of(intake.post("/api/v1/tickets", {"type": "service"}), 422, "invalid-input")
    assert set(missing["errors"]) == {"summary"}
    typed = error_of(intake.post("/api/v1/tickets", {"summary": 5, "county_id": "x", "colour": "red"}),
                     422, "invalid-input")  # fmt: skip
    assert set(typed["errors"]) == {"summary", "county_id", "colour"}
    body = {"summary": "x", "type": "party", "county": "atlantis", "contact_phone": "12"}
    core = error_of(intake.post("/api/v1/tickets", body), 422, "invalid-input")
    assert set(core["errors"]) == {"county"}  # the county is checked first, then the core's own checks
    core = error_of(intake.post("/api/v1/tickets", {"summary": "x", "type": "party", "contact_phone": "12"}),
                    422, "invalid-input")  # fmt: skip
    assert set(core["errors"]) == {"type", "contact_phone"}
    for bad in ("not json", "[1, 2]"):
        headers = {**intake.headers, "Content-Type": "application/json"}
        response = intake.client.post("/api/v1/tickets", data=bad, headers=headers)
        error_of(response, 400, "invalid-json")
    ticket = new_ticket(intake, world)
    no_version = error_of(api["supervisor"].post(f"{ticket['url']}/actions/comment", {"note": "x"}),
                          422, "invalid-input")  # fmt: skip
    assert set(no_version["errors"]) == {"version"}
    body = {"version": ticket["version"], "merchant_id": "abc", "colour": 1}
    fields = error_of(api["supervisor"].post(f"{ticket['url']}/actions/dispatch", body), 422, "invalid-input")
    assert set(fields["errors"]) == {"merchant_id", "colour"}
    error_of(
        api["supervisor"].post(f"{ticket['url']}/actions/explode", {"version": 1}), 422, "unknown-action"
    )
    error_of(api["supervisor"].get("/api/v1/tickets/999999"), 404, "ticket-not-found")


# ---- tickets: search and pages ----


def test_tickets_are_searched_a_page_at_a_time_with_next_links(api: dict[str, Api], world: World) -> None:
    boss = api["supervisor"]
    made = [new_ticket(boss, world, summary=f"第{i}单")["id"] for i in range(5)]
    consultation = new_ticket(boss, world, type="consultation", summary="咨询")["id"]

    seen: list[int] = []
    url: str | None = "/api/v1/tickets?type=service&per_page=2"
    pages = 0
    while url:
        page = boss.ok(url)
        seen += [t["id"] for t in page["items"]]
        assert page["per_page"] == 2 and len(page["items"]) <= 2
        url = page["next"]
        assert (url is not None) == page["has_next"]
        if url:
            assert "type=service" in url and "per_page=2" in url
        pages += 1

    assert pages == 3 and seen == made[::-1]  # newest first, each once
    assert [t["id"] for t in boss.ok("/api/v1/tickets?type=consultation")["items"]] == [consultation]
    assert len(boss.ok("/api/v1/tickets?status=new,closed&phone=138-0013-8001")["items"]) == 6
    assert boss.ok("/api/v1/tickets?status=closed")["items"] == []
    assert len(boss.ok("/api/v1/tickets?county=futian&open_only=true")["items"]) == 6


def test_wrong_search_parameters_are_422(api: dict[str, Api]) -> None:
    boss = api["supervisor"]

    body = error_of(boss.get("/api/v1/tickets?status=lost&type=party"), 422, "invalid-input")
    assert set(body["errors"]) == {"statuses", "type"}
    body = error_of(boss.get("/api/v1/tickets?created_from=yesterday&member_id=x&open_only=maybe&page=0"),
                    422, "invalid-input")  # fmt: skip
    assert set(body["errors"]) == {"page"}  # the page is read first
    body = error_of(boss.get("/api/v1/tickets?created_from=yesterday&member_id=x&open_only=maybe"),
                    422, "invalid-input")  # fmt: skip
    assert set(body["errors"]) == {"created_from", "member_id", "open_only"}
    error_of(boss.get("/api/v1/tickets?stauts=new"), 422, "invalid-input")


# ---- calls ----


def test_calls_list_and_read(
    console_app: Flask, console_db: Database, api: dict[str, Api], world: World
) -> None:
    write_wav(recordings_dir(console_app) / "r.wav")
    older, _ = add_call(console_db, entered_at=T0, county_id=world.counties["futian"])
    newer, (rec,) = add_call(console_db, entered_at=T0 + timedelta(minutes=1), recordings=[("r.wav", "ok")])
    agent = api["dispatcher"]

    page = agent.ok("/api/v1/calls?per_page=1")
    assert [c["id"] for c in page["items"]] == [newer] and page["next"] == "/api/v1/calls?per_page=1&page=2"
    assert [c["id"] for c in agent.ok(page["next"])["items"]] == [older]
    assert [c["id"] for c in agent.ok("/api/v1/calls?county=futian")["items"]] == [older]
    assert [c["id"] for c in agent.ok("/api/v1/calls?caller=%2B8613800138001")["items"]] == [newer, older]

    call = agent.ok(f"/api/v1/calls/{newer}")
    assert call["caller_number"] == "13800138001" and call["entered_at"] == "2026-11-20T02:01:00+00:00"
    assert (
        call["recordings"][0]["id"] == rec
        and call["recordings"][0]["download_url"] == f"/api/v1/recordings/{rec}"
    )
    assert "path" not in call["recordings"][0]  # the server's file layout stays inside
    assert agent.get(call["recordings"][0]["download_url"]).status_code == 200
    error_of(agent.get("/api/v1/calls/999"), 404, "call-not-found")
    error_of(agent.get("/api/v1/calls?date_from=soon"), 422, "invalid-input")


# ---- members ----


def test_members_find_read_and_get_or_create(console_db: Database, api: dict[str, Api], world: World) -> None:
    agent = api["intake"]
    found = agent.ok("/api/v1/members?phone=%2B86+138+0013+8001")
    assert [m["id"] for m in found["items"]] == [world.member]
    assert agent.ok("/api/v1/members?phone=13900000000")["items"] == []
    new_ticket(agent, world)
    add_call(console_db, caller="+8613800138001")

    member = agent.ok(f"/api/v1/members/{world.member}")
    assert member["phone"] == "13800138001" and len(member["tickets"]) == 1 and len(member["calls"]) == 1

    created = agent.post("/api/v1/members", {"phone": "139-0013-9000", "name": "李先生", "county": "luohu"})
    assert created.status_code == 201 and created.headers["Location"] == created.get_json()["url"]
    body = created.get_json()
    assert body["phone"] == "13900139000" and body["county"] == "luohu" and body["name"] == "李先生"
    again = agent.post("/api/v1/members", {"phone": "+86 13900139000", "name": "别人"})
    assert (
        again.status_code == 200
        and again.get_json()["id"] == body["id"]
        and again.get_json()["name"] == "李先生"
    )

    error_of(agent.post("/api/v1/members", {"name": "无号码"}), 422, "invalid-input")
    bad = error_of(agent.post("/api/v1/members", {"phone": "12"}), 422, "invalid-input")
    assert set(bad["errors"]) == {"phone"}
    error_of(
        agent.post("/api/v1/members", {"phone": "13700000000", "county": "atlantis"}), 422, "invalid-input"
    )
    error_of(agent.get("/api/v1/members/99999"), 404, "member-not-found")
    everyone = agent.ok("/api/v1/members?per_page=1")
    assert everyone["has_next"] and everyone["items"][0]["id"] == body["id"]


def test_an_unknown_county_is_refused_not_ignored(api: dict[str, Api]) -> None:
    body = error_of(api["supervisor"].get("/api/v1/tickets?county=atlantis"), 422, "invalid-input")

    assert set(body["errors"]) == {"county"}


# The API endpoint and the page whose role rule it shares
SAME_ROLES_AS = {
    "api.calls": "calls.index",
    "api.call": "calls.detail",
    "api.recording": "recordings.play",
    "api.tickets": "tickets.index",
    "api.ticket": "tickets.detail",
    "api.create_ticket": "tickets.create",
    "api.ticket_action": "tickets.act",
    "api.members": "members.index",
    "api.member": "members.detail",
    "api.create_member": "members.create",
}


@pytest.mark.parametrize(("endpoint", "page"), SAME_ROLES_AS.items())
def test_each_endpoint_allows_the_roles_its_page_allows(console_app: Flask, endpoint: str, page: str) -> None:
    if page not in console_app.view_functions:
        pytest.skip(f"{page} is not registered")
    api_access, page_access = access_of(console_app, endpoint), access_of(console_app, page)

    assert api_access is not None and api_access.token and page_access is not None
    assert api_access.roles == page_access.roles
