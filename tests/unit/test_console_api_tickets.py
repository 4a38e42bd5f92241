"""The JSON API's tickets: the service loop and its detours through the ticket core, every type's loop,
refusals as JSON contracts (an illegal action, a stale version, a missing role, another county, bad
fields), and search a page at a time with next links."""

from __future__ import annotations

import pytest

from hotline.db.session import Database
from tests.unit import ticketdata
from tests.unit.calltools import add_call
from tests.unit.consoletools import Api, error_of, new_ticket
from tests.unit.ticketdata import World

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
    body: dict[str, object] = {"summary": "x", "type": "party", "county": "atlantis", "contact_phone": "12"}
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


def test_an_unknown_county_is_refused_not_ignored(api: dict[str, Api]) -> None:
    body = error_of(api["supervisor"].get("/api/v1/tickets?county=atlantis"), 422, "invalid-input")

    assert set(body["errors"]) == {"county"}
