"""Helpers of the console's tests: users, CSRF tokens and logins through the real login form, and
clients of the JSON API holding one user's token."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Flask, g, url_for
from flask.testing import FlaskClient
from werkzeug.routing import AnyConverter, Rule
from werkzeug.test import TestResponse

from hotline import users
from hotline.db.console_models import User
from hotline.db.session import Database
from tests.unit import ticketdata
from tests.unit.ticketdata import World
from webconsole.auth import acting_user, api_auth, public, roles, signed_in
from webconsole.auth.nav import landing_endpoint

PASSWORD = "test-password-1234"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def add_user(
    db: Database,
    username: str,
    roles: Iterable[str],
    *,
    password: str = PASSWORD,
    display_name: str | None = None,
    agent: str | None = None,
    language: str = "zh",
) -> int:
    """Create an active user; returns its id."""
    with db.session() as session:
        user = users.create_user(session, username, roles, password, display_name=display_name, agent=agent,
                                 language=language)  # fmt: skip
        return user.id


def find(db: Database, username: str) -> User:
    with db.session() as session:
        return users.find_user(session, username)


def csrf_token(client: FlaskClient, path: str | None = None) -> str:
    """The session's CSRF token, as every page carries it in its <meta name="csrf-token">; by default
    read from the login page, or from the password page once logged in."""
    response = client.get(path or "/login")
    if path is None and response.status_code == 302:  # logged in: the login page sends one on
        response = client.get("/password")
    html = response.get_data(as_text=True)
    found = CSRF_META.search(html)
    assert found, f"no csrf-token meta in {path}:\n{html[:500]}"
    return found.group(1)


def landing(app: Flask, roles: Iterable[str]) -> str:
    """The URL a user holding `roles` lands on after logging in (depends on the blueprints there are)."""
    with app.test_request_context():
        return url_for(landing_endpoint(frozenset(roles)))


def login(client: FlaskClient, username: str, password: str = PASSWORD, **extra: str) -> TestResponse:
    """Post the login form with the session's CSRF token."""
    data = {"username": username, "password": password, "csrf_token": csrf_token(client), **extra}
    return client.post("/login", data=data)


def client_of(app: Flask, db: Database, username: str, roles: Iterable[str]) -> FlaskClient:
    """A test client logged in as a new user holding `roles`."""
    add_user(db, username, roles)
    client = app.test_client()
    response = login(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def sample_url(app: Flask, rule: Rule) -> str:
    """A URL of `rule` with a made-up value for each argument (the guard refuses before any view runs,
    so the values never matter)."""
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
            continue
        for candidate in ("1", "x", str(uuid.UUID(int=1))):
            if re.fullmatch(converter.regex, candidate):
                values[name] = converter.to_python(candidate)
                break
        else:
            raise AssertionError(f"{rule.rule}: no sample value for <{name}> ({converter.regex})")
    with app.test_request_context():
        return app.url_map.bind("localhost").build(rule.endpoint, values, append_unknown=False)


def probe_blueprint() -> Blueprint:
    """Routes of every kind, for testing the guard before the feature blueprints exist."""
    bp = Blueprint("probe", __name__)

    @bp.route("/probe/dispatch/<int:ticket_id>", methods=["GET", "POST"])
    @roles("dispatcher")
    def dispatch(ticket_id: int) -> dict[str, object]:
        return {"ticket": ticket_id, "user": acting_user().username}

    @bp.post("/probe/mine")
    @signed_in
    def mine() -> dict[str, object]:
        return {"user": acting_user().username}

    @public
    @bp.route("/probe/open", methods=["GET", "DELETE"])  # declared above the route: the same
    def open_() -> str:
        return "open"

    @bp.route("/api/probe/<path:rest>", methods=["GET", "POST", "DELETE"])
    @api_auth("supervisor", "admin")
    def api(rest: str) -> dict[str, object]:
        return {"user": acting_user().username, "rest": rest, "token": g.api_token_id}

    return bp


def token_of(db: Database, username: str) -> str:
    with db.session() as session:
        _row, token = users.create_token(session, users.find_user(session, username), "test")
    return token


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


def api_clients(app: Flask, db: Database) -> dict[str, Api]:
    """An API client per user of the test world (one per role, "nobody" holds none)."""
    client = app.test_client()
    return {name: Api(client, token_of(db, name)) for name in ticketdata.USERS if name != "inactive"}


def error_of(response: TestResponse, status: int, error_id: str) -> dict[str, Any]:
    """Assert the JSON error contract (status, error id, a message); its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == error_id == body["error_id"] and body["message"], body
    return dict(body)


def new_ticket(api: Api, world: World, **changes: object) -> dict[str, Any]:
    """Open a service ticket for the world's member through the API, with `changes`; the ticket."""
    body = {
        "type": "service",
        "summary": "住家保姆照顾老人",
        "county": "futian",
        "category_code": "family.nanny",
        "member_id": world.member,
        **changes,
    }
    return api.ok("/api/v1/tickets", body, status=201)
