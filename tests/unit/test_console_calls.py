"""The call pages: recent calls filtered by caller number (any spelling), county, agent and local day,
a page at a time; and one call with every fact, its recordings to play and its tickets."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline.db.models import Call, Callback, ServiceCategory
from hotline.db.session import Database
from hotline.tickets import TicketDraft, open_ticket
from tests.unit.calltools import T0, add_agent, add_call, add_county, recordings_dir, write_wav
from tests.unit.consoletools import client_of

ROW = re.compile(r'<tr data-call-id="(\d+)">')


@pytest.fixture
def agent(console_app: Flask, console_db: Database) -> FlaskClient:
    return client_of(console_app, console_db, "wang", ["dispatcher"])


def listed(client: FlaskClient, query: str = "") -> list[int]:
    response = client.get(f"/calls/{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return [int(found) for found in ROW.findall(response.get_data(as_text=True))]


def test_calls_are_listed_newest_first_with_links(agent: FlaskClient, console_db: Database) -> None:
    older, _ = add_call(console_db, entered_at=T0)
    newer, _ = add_call(console_db, entered_at=T0 + timedelta(minutes=5))

    html = agent.get("/calls/").get_data(as_text=True)

    assert listed(agent) == [newer, older]
    assert f'href="/calls/{newer}"' in html and 'id="call-filter"' in html
    assert 'id="next-page"' not in html and 'id="previous-page"' not in html


def test_the_caller_filter_finds_any_spelling_of_the_number(agent: FlaskClient, console_db: Database) -> None:
    plus, _ = add_call(console_db, caller="+8613800138001")
    national, _ = add_call(console_db, caller="13800138001")
    add_call(console_db, caller="13900139000")

    assert sorted(listed(agent, "?caller=138+0013+8001")) == [plus, national]
    assert sorted(listed(agent, "?caller=%2B86+138-0013-8001")) == [plus, national]
    assert listed(agent, "?caller=13700000000") == []


def test_the_county_agent_and_day_filters(agent: FlaskClient, console_db: Database) -> None:
    futian, luohu = add_county(console_db, "futian"), add_county(console_db, "luohu", "罗湖区")
    zhang = add_agent(console_db, "8001", "张敏")
    in_futian, _ = add_call(console_db, county_id=futian, agent_id=zhang, entered_at=T0)
    in_luohu, _ = add_call(console_db, county_id=luohu, entered_at=T0 + timedelta(minutes=1))
    # 17:00 UTC on the 20th is 01:00 on the 21st in Shanghai
    late, _ = add_call(console_db, county_id=luohu, entered_at=T0 + timedelta(hours=15))

    assert listed(agent, "?county=futian") == [in_futian]
    assert listed(agent, "?county=luohu") == [late, in_luohu]
    assert listed(agent, "?agent=8001") == [in_futian]
    assert listed(agent, "?date_from=2026-11-20&date_to=2026-11-20") == [in_luohu, in_futian]
    assert listed(agent, "?date_from=2026-11-21") == [late]
    assert listed(agent, "?county=luohu&date_to=2026-11-20") == [in_luohu]
    assert listed(agent, "?county=nowhere") == [] and listed(agent, "?agent=9999") == []
    html = agent.get("/calls/?county=futian&agent=8001").get_data(as_text=True)
    assert '<option value="futian" selected>福田区</option>' in html
    assert '<option value="8001" selected>张敏 (8001)</option>' in html


def test_an_agent_who_took_a_leg_finds_the_call(agent: FlaskClient, console_db: Database) -> None:
    first, second = add_agent(console_db, "8001"), add_agent(console_db, "8002", "李强")
    call_id, _ = add_call(console_db, agent_id=first)
    with console_db.session() as s:  # transferred on: the call's agent is now the second one
        call = s.get(Call, call_id)
        assert call is not None
        call.agent_id = second

    assert listed(agent, "?agent=8001") == [call_id] == listed(agent, "?agent=8002")


def test_a_wrong_date_is_shown_and_left_out(agent: FlaskClient, console_db: Database) -> None:
    call_id, _ = add_call(console_db)

    response = agent.get("/calls/?date_from=2026-13-45&lang=en")

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and listed(agent, "?date_from=2026-13-45") == [call_id]
    assert '<span class="field-error">Not a valid filter value</span>' in html


def test_calls_come_a_page_at_a_time(agent: FlaskClient, console_db: Database) -> None:
    ids = [add_call(console_db, entered_at=T0 + timedelta(minutes=i))[0] for i in range(5)]
    newest_first = ids[::-1]

    first = agent.get("/calls/?per_page=2&caller=13800138001").get_data(as_text=True)

    assert listed(agent, "?per_page=2") == newest_first[:2]
    assert 'id="next-page"' in first and 'id="previous-page"' not in first
    assert 'href="/calls/?caller=13800138001&amp;page=2"' in first  # the filters are kept
    assert listed(agent, "?per_page=2&page=2") == newest_first[2:4]
    assert listed(agent, "?per_page=2&page=3") == newest_first[4:]
    last = agent.get("/calls/?per_page=2&page=3").get_data(as_text=True)
    assert 'id="next-page"' not in last and 'id="previous-page"' in last


def full_call(app: Flask, db: Database) -> tuple[int, int, int]:
    """A call with every fact: county, routing, IVR path, category, agent, legs, callback, recordings."""
    futian = add_county(db, "futian")
    zhang = add_agent(db, "8001", "张敏")
    write_wav(recordings_dir(app) / "2026/11/20/full.wav")
    with db.session() as s:
        s.add(ServiceCategory(code="family.nanny", name_zh="保姆", name_en="Nanny"))
    call_id, (ok, gone) = add_call(
        db,
        caller="13800138001",
        dialed="10109366",
        county_id=futian,
        agent_id=zhang,
        recordings=[("2026/11/20/full.wav", "ok"), ("2026/11/20/gone.wav", "missing")],
        queue_name="futian",
        routing_reason="prefix",
        routing_detail="138001",
        category_code="family.nanny",
        urgency="urgent",
        ivr_path=[{"node": "welcome", "type": "play"}, {"node": "menu", "type": "menu", "digits": "2"}],
    )
    with db.session() as s:
        s.add(Callback(call_id=call_id, queue="futian", number="13800138001", position=3, status="answered",
                       attempts=1))  # fmt: skip
    return call_id, ok, gone


def test_the_call_page_shows_every_fact(console_app: Flask, console_db: Database, agent: FlaskClient) -> None:
    call_id, _ok, _gone = full_call(console_app, console_db)

    html = agent.get(f"/calls/{call_id}?lang=en").get_data(as_text=True)

    expected = {
        "call-caller": "13800138001",
        "call-dialled": "10109366",
        "call-county": "Futian",
        "call-queue": "futian",
        "call-wait": "12.0",
        "call-talk": "83.0",
    }
    for element, text in expected.items():
        assert re.search(rf'id="{element}"[^>]*>\s*{re.escape(text)}', html), element
    assert "the caller&#39;s number prefix (138001)" in html
    assert "welcome → menu [2]" in html
    assert ">Nanny<" in html and "Urgent" in html
    assert "张敏 (8001)" in html and "agent8001" in html  # the agent and their leg
    assert "Answered by an agent" in html
    assert "answered · attempts made 1" in html  # the callback
    assert f'<a href="/tickets/new?call={call_id}" id="open-ticket"' in html


def test_the_call_page_plays_its_recordings(
    console_app: Flask, console_db: Database, agent: FlaskClient
) -> None:
    call_id, ok, gone = full_call(console_app, console_db)

    html = agent.get(f"/calls/{call_id}").get_data(as_text=True)

    assert f'<audio class="recording" controls preload="none" src="/recordings/{ok}"></audio>' in html
    assert f'href="/recordings/{ok}/download"' in html
    assert f'src="/recordings/{gone}"' not in html  # the missing one says so instead
    assert re.search(
        rf'data-recording-id="{gone}" data-status="missing">.*?recording-unavailable', html, re.S
    )
    assert agent.get(f"/recordings/{ok}").status_code == 200


def test_the_call_page_lists_the_tickets_opened_from_it(
    console_app: Flask, console_db: Database, agent: FlaskClient
) -> None:
    call_id, _ = add_call(console_db)
    with console_db.session() as s:
        ticket = open_ticket(s, TicketDraft(summary="找保姆", call_id=call_id), None)
        ticket_id, number = ticket.id, ticket.number

    html = agent.get(f"/calls/{call_id}").get_data(as_text=True)

    assert f'<a class="ticket-link" href="/tickets/{ticket_id}">{number}</a>' in html and "找保姆" in html
    assert 'id="no-tickets"' not in html
    bare, _ = add_call(console_db)
    assert 'id="no-tickets"' in agent.get(f"/calls/{bare}").get_data(as_text=True)


def test_an_unknown_call_is_404(agent: FlaskClient) -> None:
    response = agent.get("/calls/4242")

    assert response.status_code == 404 and b'data-error-id="call-not-found"' in response.data


@pytest.mark.parametrize("role", ["area_manager", "admin"])
def test_other_roles_may_not_see_calls(console_app: Flask, console_db: Database, role: str) -> None:
    call_id, _ = add_call(console_db)
    client = client_of(console_app, console_db, "other", [role])

    for url in ("/calls/", f"/calls/{call_id}"):
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", ["intake", "dispatcher", "visitor", "supervisor"])
def test_the_seats_and_supervisors_see_calls(console_app: Flask, console_db: Database, role: str) -> None:
    call_id, _ = add_call(console_db)
    client = client_of(console_app, console_db, f"u-{role}", [role])

    assert listed(client) == [call_id]
    assert client.get(f"/calls/{call_id}").status_code == 200
