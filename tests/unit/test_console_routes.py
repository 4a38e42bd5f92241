"""The route sweep: every route of the console, whichever blueprint adds it, declares who may call
it, and the guard refuses anonymous users, users without the route's roles and state-changing requests
without a CSRF token. The sweep reads app.url_map, so a new blueprint is swept without a change here;
it runs on the console as built and on the console plus a probe blueprint with routes of every kind.
Only refusals are asserted: the guard refuses before a view runs, so made-up URL values never matter.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from hotline.db.session import Database
from hotline.settings import Settings
from tests.unit.consoletools import client_of, csrf_token, probe_blueprint, sample_url, token_of
from webconsole import create_app
from webconsole.auth import ALL_ROLES, Access, access_of, public
from webconsole.auth.access import is_static

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SWEEPER = "sweeper"  # holds every role


@pytest.fixture(params=["console", "console-with-probe"])
def app(request: pytest.FixtureRequest, console_app: Flask) -> Flask:
    if request.param == "console-with-probe":
        console_app.register_blueprint(probe_blueprint())
    return console_app


def routes(app: Flask) -> Iterator[tuple[Rule, str, Access]]:
    """(rule, method, declaration) of every route but static files."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if is_static(rule.endpoint):
            continue
        access = access_of(app, rule.endpoint)
        assert access is not None, f"{rule.rule} ({rule.endpoint}) declares no access"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, access


class Sweep:
    """Clients logged in as users holding given roles, made on first use."""

    def __init__(self, app: Flask, db: Database) -> None:
        self.app = app
        self.db = db
        self.clients: dict[frozenset[str], FlaskClient] = {}
        self.tokens: dict[frozenset[str], str] = {}
        self.names: dict[frozenset[str], str] = {}

    def client(self, roles: frozenset[str]) -> FlaskClient:
        if roles not in self.clients:
            self.names[roles] = SWEEPER if roles == ALL_ROLES else f"holds-{len(self.names)}"
            self.clients[roles] = client_of(self.app, self.db, self.names[roles], roles)
        return self.clients[roles]

    def token(self, roles: frozenset[str]) -> str:
        if roles not in self.tokens:
            self.client(roles)
            self.tokens[roles] = token_of(self.db, self.names[roles])
        return self.tokens[roles]

    def username(self, roles: frozenset[str]) -> str:
        self.client(roles)
        return self.names[roles]


def call(client: FlaskClient, method: str, url: str, **kw: object):  # type: ignore[no-untyped-def]
    return client.open(url, method=method, **kw)


def test_every_route_declares_who_may_call_it(app: Flask) -> None:
    declared = list(routes(app))
    assert {rule.endpoint for rule, _m, _a in declared} >= {"auth.login", "auth.logout", "home.healthz"}
    for rule, _method, access in declared:
        view = app.view_functions[rule.endpoint]
        assert access.public or access.roles <= ALL_ROLES and access.roles, rule.rule
        assert view.allowed_roles == access.roles and view.public == access.public, rule.rule


def test_every_non_public_route_refuses_anonymous_users(app: Flask) -> None:
    swept = 0
    for rule, method, access in routes(app):
        if access.public:
            continue
        client = app.test_client()
        url = sample_url(app, rule)
        headers = {"X-CSRFToken": csrf_token(client)}  # a valid token: refused for being anonymous
        response = call(client, method, url, headers=headers)
        if access.token:
            assert response.status_code == 401, (method, url)
            assert response.get_json()["error_id"] == "unauthenticated"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.location.startswith("/login?next="), (method, url)
        swept += 1
    assert swept >= 3


def test_every_state_changing_route_refuses_a_missing_csrf_token(app: Flask, console_db: Database) -> None:
    sweep = Sweep(app, console_db)
    swept = 0
    for rule, method, access in routes(app):
        if method not in STATE_CHANGING or access.token:
            continue
        client = app.test_client() if access.public else sweep.client(ALL_ROLES)
        url = sample_url(app, rule)
        for headers in ({}, {"X-CSRFToken": "forged"}):
            response = call(client, method, url, headers=headers)
            assert response.status_code == 400, (method, url, response.status_code)
            assert b'data-error-id="csrf-refused"' in response.data
        swept += 1
    assert swept >= 3  # login, logout, password at least


def test_every_role_restricted_route_refuses_users_without_its_roles(
    app: Flask, console_db: Database
) -> None:
    sweep = Sweep(app, console_db)
    for rule, method, access in routes(app):
        others = ALL_ROLES - access.roles
        if access.public or not others:
            continue
        url = sample_url(app, rule)
        if access.token:
            auth = {"Authorization": f"Bearer {sweep.token(others)}"}
            response = call(app.test_client(), method, url, headers=auth)
            assert response.status_code == 403, (method, url)
            assert response.get_json()["error_id"] == "forbidden"
        else:
            client = sweep.client(others)
            response = call(client, method, url, headers={"X-CSRFToken": csrf_token(client)})
            assert response.status_code == 403, (method, url, response.status_code)
            assert b'data-error-id="forbidden"' in response.data


def test_every_api_route_refuses_a_cookie_session(app: Flask, console_db: Database) -> None:
    sweep = Sweep(app, console_db)
    for rule, method, access in routes(app):
        if not access.token:
            continue
        client = sweep.client(ALL_ROLES)  # logged in, holding every role, with a valid CSRF token
        response = call(client, method, sample_url(app, rule), headers={"X-CSRFToken": csrf_token(client)})
        assert response.status_code == 401, (method, rule.rule)


def test_the_probe_makes_every_check_bite(console_app: Flask, console_db: Database) -> None:
    """The sweep above is not empty on the probe: allowed callers do get through."""
    console_app.register_blueprint(probe_blueprint())
    sweep = Sweep(console_app, console_db)
    dispatcher = sweep.client(frozenset({"dispatcher"}))
    token = csrf_token(dispatcher)

    name = sweep.username(frozenset({"dispatcher"}))
    assert dispatcher.get("/probe/dispatch/7").get_json() == {"ticket": 7, "user": name}
    assert dispatcher.post("/probe/dispatch/7", headers={"X-CSRFToken": token}).status_code == 200
    assert dispatcher.post("/probe/mine", data={"csrf_token": token}).get_json() == {"user": name}
    assert console_app.test_client().get("/probe/open").get_data(as_text=True) == "open"
    supervisor = {"Authorization": f"Bearer {sweep.token(frozenset({'supervisor'}))}"}
    response = console_app.test_client().delete("/api/probe/a/b", headers=supervisor)  # no CSRF for a token
    assert response.status_code == 200
    assert response.get_json()["user"] == sweep.username(frozenset({"supervisor"}))


def test_a_route_without_a_declaration_stops_the_console(console_settings: Settings) -> None:
    app = create_app({"TESTING": True}, settings=console_settings)

    @app.get("/forgotten")
    def forgotten() -> str:
        return "secret"

    with pytest.raises(RuntimeError, match="routes without an access declaration .*: forgotten"):
        from webconsole.auth import check_routes

        check_routes(app)
    response = app.test_client().get("/forgotten")  # and the guard fails closed
    assert response.status_code == 500 and b"route-without-access" in response.data
    app.extensions["hotline"].close()


def test_a_route_cannot_be_public_and_restricted() -> None:
    from webconsole.auth import roles

    def view() -> str:
        return ""

    with pytest.raises(TypeError, match="declared twice"):
        roles("admin")(public(view))
    with pytest.raises(ValueError, match="unknown role root"):
        roles("root")
