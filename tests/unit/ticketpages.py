"""Helpers of the ticket pages' tests: the test city (tests.unit.ticketdata), agents logged in by role,
and the ticket page's forms posted as a browser posts them (CSRF token and the version the page shows)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hotline.db.service_models import Ticket
from hotline.db.session import Database
from hotline.tickets.actions import apply_fields
from hotline.tickets.opening import open_ticket
from hotline.tickets.timing import now_utc
from tests.unit.consoletools import CSRF_META, add_user, login
from tests.unit.ticketdata import NOTES, PATHS, World, build_world, draft, fields_for

# role -> (username, display name) of the agent the tests log in as
AGENTS = {
    "intake": ("ivy", "Ivy Intake"),
    "dispatcher": ("dan", "Dan Dispatch"),
    "visitor": ("vera", "Vera Visit"),
    "supervisor": ("sam", "Sam Lead"),
    "area_manager": ("amy", "Amy Area"),
    "admin": ("ada", "Ada Admin"),
}


@dataclass
class Center:
    """The console on the test city, with one logged-in browser per role (made on first use)."""

    app: Flask
    db: Database
    world: World
    clients: dict[str, FlaskClient] = field(default_factory=dict)

    def client(self, role: str) -> FlaskClient:
        """A browser logged in as the agent of `role`."""
        if role not in self.clients:
            username, display = AGENTS[role]
            add_user(self.db, username, [role], display_name=display)
            client = self.app.test_client()
            response = login(client, username)
            assert response.status_code == 302, response.get_data(as_text=True)
            self.clients[role] = client
        return self.clients[role]

    def ticket(self, kind: str = "service", status: str = "new", *, ago: timedelta = timedelta(0),
               **changes: object) -> tuple[int, str]:  # fmt: skip
        """(id, number) of a ticket of `kind` walked by the system to `status`, opened `ago`."""
        start = now_utc() - ago
        with self.db.session() as s:
            ticket = open_ticket(s, draft(self.world, kind, **changes), None, now=start)
            for i, action in enumerate(PATHS[kind][status], start=1):
                fields = fields_for(action, self.world)
                at = start + timedelta(seconds=i)
                apply_fields(s, ticket, action, None, fields, note=NOTES.get(action), now=at)
            return ticket.id, ticket.number

    def load(self, ticket_id: int) -> Ticket:
        """The ticket's row as stored now."""
        with self.db.session() as s:
            ticket = s.get(Ticket, ticket_id)
            assert ticket is not None
            return ticket


def center(app: Flask, db: Database) -> Center:
    """The console on a freshly built test city."""
    return Center(app, db, build_world(db))


def html_of(client: FlaskClient, url: str, status: int = 200) -> str:
    """A page's HTML, asserting its status."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:2000])
    return response.get_data(as_text=True)


def token_in(html: str) -> str:
    """The CSRF token a page carries."""
    found = CSRF_META.search(html)
    assert found, html[:500]
    return found.group(1)


def form_of(html: str, form_id: str) -> str:
    """The HTML of one form of a page."""
    found = re.search(rf'<form[^>]*id="{re.escape(form_id)}".*?</form>', html, re.S)
    assert found, f"no form#{form_id} on the page"
    return found.group(0)


def version_in(html: str) -> str:
    """The ticket version the page shows."""
    found = re.search(r'data-version="(\d+)"', html)
    assert found, html[:500]
    return found.group(1)


def act(client: FlaskClient, ticket_id: int, action: str, *, version: str | None = None,
        **fields: object) -> TestResponse:  # fmt: skip
    """Post an action's form from the ticket page, at the version the page shows unless given."""
    html = html_of(client, f"/tickets/{ticket_id}")
    data = {"csrf_token": token_in(html), "version": version or version_in(html)}
    data.update({name: str(value) for name, value in fields.items()})
    return client.post(f"/tickets/{ticket_id}/actions/{action}", data=data)


def act_ok(client: FlaskClient, ticket_id: int, action: str, **fields: Any) -> str:
    """Post an action that must succeed; the ticket page after it."""
    response = act(client, ticket_id, action, **fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    html = html_of(client, response.location)
    assert 'id="action-error"' not in html, re.search(r'id="action-error"[^<]*', html)
    return html


def status_in(html: str) -> str:
    """The data-status of #ticket-status."""
    found = re.search(r'id="ticket-status"[^>]*data-status="([a-z_]+)"', html)
    assert found, html[:1000]
    return found.group(1)


def timeline_in(html: str) -> list[tuple[str, str]]:
    """(action, actor) of each entry of ol#timeline, oldest first."""
    section = re.search(r'<ol id="timeline">(.*?)</ol>', html, re.S)
    assert section, "no timeline"
    return re.findall(r'<li data-action="([a-z_]+)" data-actor="([^"]*)"', section.group(1))


def refusal_in(html: str) -> tuple[str, str] | None:
    """(error_id, message) of the page's refused action, if any."""
    found = re.search(r'<p id="action-error"[^>]*data-error-id="([a-z-]+)"[^>]*>([^<]*)</p>', html)
    return (found.group(1), found.group(2)) if found else None


def select_options(html: str, select_id: str) -> list[str]:
    """The option values of select#`select_id`."""
    found = re.search(rf'<select[^>]*id="{select_id}".*?</select>', html, re.S)
    assert found, f"no select#{select_id}"
    return re.findall(r'<option value="([^"]*)"', found.group(0))


def rows(html: str, table_id: str) -> list[str]:
    """The <tr ...> opening tags of table#`table_id`'s body."""
    found = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', html, re.S)
    return re.findall(r"<tr [^>]*>", found.group(1)) if found else []


def numbers_in(html: str, table_id: str) -> list[str]:
    """The data-number of each row of a table, in order."""
    return [re.search(r'data-number="([^"]+)"', row).group(1) for row in rows(html, table_id)]  # type: ignore[union-attr]
