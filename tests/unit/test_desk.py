"""The desk: the pop of a ringing call (member, tickets, past calls), the event stream with its
catch-up for a browser that connects mid-ring, and the agent-state form."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from itertools import islice

from flask import Flask

from hotline.db.console_models import DeskEvent
from hotline.db.models import Agent, Call, County, Member, Recording
from hotline.db.service_models import Ticket
from hotline.db.session import Database
from tests.unit.consoletools import add_user, login
from webconsole import Console, console
from webconsole.desk import queries
from webconsole.desk.broker import DeskBroker
from webconsole.desk.views import broker, stream_events
from webconsole.desk.wake import parse

NOW = datetime.now(UTC)


def seed(db: Database) -> tuple[int, int]:
    """Agent 8001 with a user, a member with a past call, tickets, and a call ringing now."""
    with db.session() as s:
        county = County(code="luohu", name_zh="罗湖区", name_en="Luohu")
        agent = Agent(name="8001", display_name="张敏", endpoint="agent8001", county=county, state="ready")
        member = Member(phone="13800138002", name="<b>吴先生</b>", county=county, address="东门中路8号")
        s.add_all([county, agent, member])
        s.flush()
        old = Call(uid="a" * 40, caller_number="13800138002", dialed_number="10109366", via="ari",
                   entered_at=NOW - timedelta(days=3), disposition="answered", agent=agent)  # fmt: skip
        s.add(old)
        s.flush()
        s.add(Recording(call_id=old.id, path="/x.wav", duration_s=42.0))
        s.add(Ticket(number="20261120-0001", type="service", status="dispatched", member_id=member.id,
                     summary="住家保姆"))  # fmt: skip
        s.add(Ticket(number="20261101-0002", type="consultation", status="closed", member_id=member.id,
                     summary="价格", closed_at=NOW - timedelta(days=20)))  # fmt: skip
        call = Call(uid="b" * 40, caller_number="+86 138-0013-8002", dialed_number="10109366", via="ari",
                    county=county, routing_reason="member", routing_detail="caller is a member",
                    category_code="family.nanny", ivr_path=[{"node": "main", "digits": "1"}])  # fmt: skip
        s.add(call)
        s.flush()
        return agent.id, call.id


def test_the_pop_shows_the_member_their_tickets_and_past_calls_with_recordings(
    console_app: Flask, console_db: Database
) -> None:
    _agent_id, call_id = seed(console_db)
    with console_db.session() as s:
        data = queries.pop(s, s.get(Call, call_id), console_of(console_app).timezone)  # type: ignore[arg-type]
    assert data["call"]["caller"] == "13800138002" and data["call"]["county"]["code"] == "luohu"
    assert data["call"]["routing_reason"] == "member" and data["call"]["ivr_path"][0]["digits"] == "1"
    assert data["member"]["name"] == "<b>吴先生</b>"
    assert [t["number"] for t in data["open_tickets"]] == ["20261120-0001"]
    assert [t["number"] for t in data["recent_tickets"]] == ["20261101-0002"]
    [past] = data["past_calls"]
    assert past["uid"] == "a" * 40 and past["recordings"][0]["duration_s"] == 42.0


def test_an_unknown_caller_pops_as_a_new_caller(console_app: Flask, console_db: Database) -> None:
    _agent_id, call_id = seed(console_db)
    with console_db.session() as s:
        call = s.get(Call, call_id)
        assert call is not None
        call.caller_number = "13900139000"
        data = queries.pop(s, call, console_of(console_app).timezone)
    assert data["member"] is None and data["open_tickets"] == [] and data["past_calls"] == []


def ring(db: Database, agent_id: int, call_id: int, kind: str = "ring", at: datetime | None = None) -> int:
    with db.session() as s:
        event = DeskEvent(agent_id=agent_id, call_id=call_id, kind=kind, at=at or datetime.now(UTC),
                          data={"uid": "b" * 40, "caller": "13800138002"})  # fmt: skip
        s.add(event)
        s.flush()
        return event.id


def sse(chunk: str) -> dict[str, str]:
    fields = dict(line.split(": ", 1) for line in chunk.strip().splitlines() if ": " in line)
    return fields


def test_a_browser_connecting_mid_ring_gets_the_ring_at_once_then_new_events(
    console_app: Flask, console_db: Database
) -> None:
    agent_id, call_id = seed(console_db)
    ring_id = ring(console_db, agent_id, call_id)
    c, desk = console_of(console_app), broker_of(console_app)
    stream = stream_events(c, desk, agent_id, None)
    assert next(stream).startswith("retry:")
    first = sse(next(stream))
    assert first["event"] == "ring" and first["id"] == str(ring_id)
    assert json.loads(first["data"])["pop"]["member"]["phone"] == "13800138002"
    # the phone is answered: a wake lets the stream read it at once
    answer_id = ring(console_db, agent_id, call_id, "answer")
    threading.Timer(0.1, desk.wake, args=([agent_id],)).start()
    answered = sse(next(stream))
    assert answered["event"] == "answer" and answered["id"] == str(answer_id)


def test_an_old_or_answered_ring_is_not_replayed(console_app: Flask, console_db: Database) -> None:
    agent_id, call_id = seed(console_db)
    ring(console_db, agent_id, call_id, at=NOW - timedelta(minutes=5))
    with console_db.session() as s:
        assert queries.still_ringing(s, agent_id) is None
    ring(console_db, agent_id, call_id)
    ring(console_db, agent_id, call_id, "answer")
    with console_db.session() as s:
        assert queries.still_ringing(s, agent_id) is None


def test_a_reconnecting_browser_gets_what_it_missed_after_last_event_id(
    console_app: Flask, console_db: Database
) -> None:
    agent_id, call_id = seed(console_db)
    first = ring(console_db, agent_id, call_id)
    ring(console_db, agent_id, call_id, "answer")
    ring(console_db, agent_id, call_id, "end")
    stream = stream_events(console_of(console_app), broker_of(console_app), agent_id, first)
    events = [sse(chunk)["event"] for chunk in islice(stream, 1, 3)]
    assert events == ["answer", "end"]


def console_of(app: Flask) -> Console:
    with app.app_context():
        return console()


def broker_of(app: Flask) -> DeskBroker:
    with app.app_context():
        return broker()


def test_the_broker_wakes_only_the_agents_named() -> None:
    desk = DeskBroker()
    mark = desk.mark(1)
    desk.wake([2])
    assert desk.wait(1, mark, 0.05) == mark
    desk.wake([1])
    assert desk.wait(1, mark, 0.05) > mark
    assert parse(b"[1, 2]") == [1, 2] and parse(b"junk") == [] and parse(b'{"a": 1}') == []


def test_the_desk_page_shows_the_seat_and_the_state_form_drives_the_agent(
    console_app: Flask, console_db: Database
) -> None:
    seed(console_db)
    add_user(console_db, "zhangmin", ["intake"], agent="8001")
    client = console_app.test_client()
    assert login(client, "zhangmin").status_code == 302
    html = client.get("/desk/").get_data(as_text=True)
    assert 'id="agent-state" data-state="ready"' in html
    token = html.split('name="csrf-token" content="')[1].split('"')[0]
    done = client.post("/desk/state", data={"action": "pause", "reason": "meal", "csrf_token": token})
    assert done.status_code == 302
    with console_db.session() as s:
        agent = s.query(Agent).one()
        assert (agent.state, agent.pause_reason) == ("paused", "meal")
    refused = client.post("/desk/state", data={"action": "pause", "reason": "meal"})
    assert refused.status_code == 400  # no CSRF token


def test_a_login_without_a_seat_is_told_so(console_app: Flask, console_db: Database) -> None:
    add_user(console_db, "disp", ["dispatcher"])
    client = console_app.test_client()
    login(client, "disp")
    page = client.get("/desk/")
    assert page.status_code == 200 and 'class="warning"' in page.get_data(as_text=True)
    assert 'id="agent-state"' not in page.get_data(as_text=True)
    assert client.get("/desk/stream").status_code == 409
