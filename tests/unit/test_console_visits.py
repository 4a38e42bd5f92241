"""The return-visit agent's work list: visits due 10 minutes and 24 hours after dispatch, overdue ones
highlighted, filtered by county; each leads to its ticket, where the outcome is recorded; a suggestion
goes to the managers and back to the suggester through the pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from hotline.db.service_models import ReturnVisit
from hotline.db.session import Database
from tests.unit.ticketpages import Center, act_ok, center, html_of, rows, status_in, timeline_in


@pytest.fixture
def c(console_app: Flask, console_db: Database) -> Center:
    return center(console_app, console_db)


def visit_rows(c: Center, query: str = "") -> list[str]:
    return rows(html_of(c.client("visitor"), f"/visits/?{query}"), "visit-worklist")


def kinds(found: list[str]) -> list[tuple[str, str]]:
    return [re.search(r'data-kind="(\w+)" data-number="([^"]+)"', r).groups() for r in found]  # type: ignore[union-attr,misc]


def test_the_contact_check_falls_due_ten_minutes_after_dispatch_and_the_rating_after_a_day(c: Center) -> None:
    _i, late = c.ticket("service", "accepted", ago=timedelta(hours=2))  # checked 10 min after: overdue
    _i, recent = c.ticket("service", "accepted", ago=timedelta(minutes=15))  # due 5 minutes ago
    _i, fresh = c.ticket("service", "accepted")  # due in 10 minutes
    found = visit_rows(c)
    assert kinds(found) == [("contact_check", late), ("contact_check", recent)]
    assert 'class="overdue"' in found[0] and 'class="overdue"' not in found[1]
    html = html_of(c.client("visitor"), "/visits/")
    assert 'data-due="2" data-overdue="1"' in html and "已超时" in html
    # within a day: the fresh ticket's rating falls due a moment later
    assert kinds(visit_rows(c, "ahead=1440")) == [
        ("contact_check", late), ("contact_check", recent), ("contact_check", fresh), ("final", late),
        ("final", recent),
    ]  # fmt: skip
    assert kinds(visit_rows(c, "kind=final&ahead=1440")) == [("final", late), ("final", recent)]


def test_the_work_list_filters_by_county(c: Center) -> None:
    _i, futian = c.ticket("service", "accepted", ago=timedelta(hours=1))
    _i, luohu = c.ticket("service", "accepted", ago=timedelta(hours=1), county_id=c.world.counties["luohu"])
    assert [n for _k, n in kinds(visit_rows(c))] == [futian, luohu]
    assert [n for _k, n in kinds(visit_rows(c, f"county={c.world.counties['luohu']}"))] == [luohu]


def test_the_outcome_is_recorded_on_the_ticket_the_work_list_leads_to(c: Center) -> None:
    ticket_id, number = c.ticket("service", "accepted", ago=timedelta(hours=1))
    visitor = c.client("visitor")
    page = html_of(visitor, "/visits/")
    assert f'href="/tickets/{ticket_id}#action-confirm_contact"' in page
    assert f'href="/tickets/{ticket_id}#action-redispatch"' in page
    ticket_page = html_of(visitor, f"/tickets/{ticket_id}")
    overdue_visit = re.search(
        r'<tr data-visit="\d+" data-kind="contact_check" data-done="0" class="overdue"', ticket_page
    )
    assert overdue_visit, "the ticket page highlights the overdue visit too"
    assert (
        'name="satisfaction"' in ticket_page and 'name="timely"' in ticket_page
    )  # the rating can come early

    html = act_ok(visitor, ticket_id, "confirm_contact", note="商户已上门沟通")
    assert status_in(html) == "in_service"
    assert number not in "".join(visit_rows(c))
    with c.db.session() as s:
        check = s.scalars(select(ReturnVisit).where(ReturnVisit.kind == "contact_check")).one()
        assert (check.outcome, check.note) == ("contacted", "商户已上门沟通")


def test_no_contact_sends_the_ticket_back_to_dispatch(c: Center) -> None:
    ticket_id, _number = c.ticket("service", "accepted", ago=timedelta(hours=1))
    html = act_ok(c.client("visitor"), ticket_id, "redispatch", note="商户无人接听，无法服务")
    assert status_in(html) == "new" and 'data-status="withdrawn"' in html
    assert visit_rows(c, "ahead=1440") == []  # the merchant's visits are cancelled


def test_a_suggestion_goes_to_the_managers_and_back_to_the_suggester(c: Center) -> None:
    ticket_id, number = c.ticket("suggestion", "new")
    dispatcher, supervisor, visitor = c.client("dispatcher"), c.client("supervisor"), c.client("visitor")
    assert status_in(act_ok(dispatcher, ticket_id, "forward", to="中心主任")) == "forwarded"
    html = act_ok(supervisor, ticket_id, "record_reply", answer="已采纳，下月起延长服务时间")
    assert status_in(html) == "replied" and "已采纳，下月起延长服务时间" in html
    assert kinds(visit_rows(c)) == [("reply", number)]  # due at once
    html = act_ok(visitor, ticket_id, "inform_suggester", note="已电话告知")
    assert status_in(html) == "closed"
    assert timeline_in(html) == [
        ("open", "system"),
        ("forward", "Dan Dispatch"),
        ("record_reply", "Sam Lead"),
        ("inform_suggester", "Vera Visit"),
    ]


def test_only_visitors_and_supervisors_open_the_work_list(c: Center) -> None:
    assert 'id="no-visits"' in html_of(c.client("supervisor"), "/visits/")
    html_of(c.client("dispatcher"), "/visits/", status=403)
