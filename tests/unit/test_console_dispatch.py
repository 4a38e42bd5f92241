"""The dispatcher's work list: what waits for the dispatcher (new and refused service tickets, offers
awaiting the merchant's answer, complaints, suggestions), most urgent first, overdue ones highlighted;
a complaint the member is unsatisfied with comes back to it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask

from hotline.db.session import Database
from hotline.tickets import workflow
from tests.unit.ticketpages import Center, act_ok, center, html_of, numbers_in, rows, status_in
from webconsole.dispatch.queries import WORK, next_steps


@pytest.fixture
def c(console_app: Flask, console_db: Database) -> Center:
    return center(console_app, console_db)


def work(c: Center, query: str = "") -> str:
    return html_of(c.client("dispatcher"), f"/dispatch/?{query}")


def test_every_waiting_status_has_a_dispatcher_step_in_the_workflow() -> None:
    for ticket_type, statuses in WORK.items():
        for status in statuses:
            assert status in workflow.STATUSES[ticket_type]
            assert next_steps(ticket_type, status), (ticket_type, status)
    assert next_steps("service", "new") == ["dispatch"]
    assert next_steps("service", "dispatched") == ["accept", "refuse"]


def test_the_work_list_holds_what_waits_for_the_dispatcher_most_urgent_first(c: Center) -> None:
    _i, service = c.ticket("service", "new")
    _i, critical = c.ticket("service", "new", urgency="critical")
    _i, offered = c.ticket("service", "dispatched")
    _i, complaint = c.ticket("complaint", "new")
    _i, measure = c.ticket("complaint", "measure_accepted")
    _i, suggestion = c.ticket("suggestion", "new")
    _i, forwarded = c.ticket("suggestion", "forwarded")
    for kind, status in (("service", "accepted"), ("service", "closed"), ("consultation", "new"),
                         ("complaint", "measure_ordered"), ("suggestion", "replied")):  # fmt: skip
        c.ticket(kind, status)
    html = work(c)
    listed = numbers_in(html, "dispatch-worklist")
    assert set(listed) == {service, critical, offered, complaint, measure, suggestion, forwarded}
    assert listed[0] == critical
    # then by due date: services and complaints in 72 hours, suggestions in 7 days
    assert listed[-2:] == [suggestion, forwarded]
    assert 'data-waiting="7"' in html and 'data-overdue="0"' in html
    row = re.search(rf'<tr data-number="{offered}".*?</tr>', html, re.S).group(0)  # type: ignore[union-attr]
    assert 'data-step="accept"' in row and 'data-step="refuse"' in row and "#action-accept" in row


def test_overdue_tickets_are_highlighted(c: Center) -> None:
    _i, late = c.ticket("service", "new", ago=timedelta(days=4))
    _i, fresh = c.ticket("service", "new")
    html = work(c)
    assert numbers_in(html, "dispatch-worklist") == [late, fresh]
    flagged = [r for r in rows(html, "dispatch-worklist") if 'class="overdue"' in r]
    assert len(flagged) == 1 and late in flagged[0]
    assert 'data-overdue="1"' in html and "已超时" in html


def test_a_refused_ticket_comes_back_marked_for_re_dispatch(c: Center) -> None:
    ticket_id, number = c.ticket("service", "dispatched")
    html = act_ok(c.client("dispatcher"), ticket_id, "refuse", note="没有空闲保姆")
    assert status_in(html) == "new"
    row = re.search(rf'<tr data-number="{number}".*?</tr>', work(c), re.S).group(0)  # type: ignore[union-attr]
    assert 'data-gave-back="1"' in row and 'data-step="dispatch"' in row


def test_an_unsatisfied_complaint_goes_back_to_dispatch(c: Center) -> None:
    ticket_id, number = c.ticket("complaint", "new")
    dispatcher, visitor = c.client("dispatcher"), c.client("visitor")
    assert number in numbers_in(work(c), "dispatch-worklist")
    html = act_ok(dispatcher, ticket_id, "order_measure", measure="redo", answer="责成商户返工",
                  merchant_id=c.world.merchants["cleaner"])  # fmt: skip
    assert status_in(html) == "measure_ordered" and number not in numbers_in(work(c), "dispatch-worklist")
    assert status_in(act_ok(visitor, ticket_id, "accept_measure")) == "measure_accepted"
    assert number in numbers_in(work(c), "dispatch-worklist")
    assert status_in(act_ok(dispatcher, ticket_id, "complete_measure")) == "measure_done"
    html = act_ok(visitor, ticket_id, "return_unsatisfied", satisfaction=2, note="返工质量仍差")
    assert status_in(html) == "new" and number in numbers_in(work(c), "dispatch-worklist")
    assert [a for a, _who in re.findall(r'<li data-action="(\w+)" data-actor="([^"]*)"', html)] == [
        "open", "order_measure", "accept_measure", "complete_measure", "return_unsatisfied",
    ]  # fmt: skip


def test_the_work_list_filters_by_type_and_county(c: Center) -> None:
    _i, service = c.ticket("service", "new")
    _i, luohu = c.ticket("complaint", "new", county_id=c.world.counties["luohu"])
    assert numbers_in(work(c, "type=service"), "dispatch-worklist") == [service]
    assert numbers_in(work(c, f"county={c.world.counties['luohu']}"), "dispatch-worklist") == [luohu]
    assert 'id="no-work"' in work(c, "type=suggestion")


def test_only_dispatchers_and_supervisors_open_the_work_list(c: Center) -> None:
    html_of(c.client("supervisor"), "/dispatch/")
    assert 'data-error-id="forbidden"' in html_of(c.client("visitor"), "/dispatch/", status=403)
