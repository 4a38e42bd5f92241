"""The JSON API beside the tickets: bearer tokens only, the same role rules as the pages, calls with
their recordings, members found, read and got-or-created."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from hotline.db.session import Database
from tests.unit.calltools import T0, add_call, recordings_dir, write_wav
from tests.unit.consoletools import Api, client_of, error_of, new_ticket
from tests.unit.ticketdata import World
from webconsole.auth import access_of

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
