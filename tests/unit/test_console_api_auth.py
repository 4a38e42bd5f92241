"""The JSON API's bearer tokens: `Authorization: Bearer <token>` only, JSON errors, no cookie, no CSRF."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline import users
from hotline.db.console_models import ApiToken
from hotline.db.session import Database
from tests.unit.consoletools import add_user, client_of, csrf_token, probe_blueprint, token_of


@pytest.fixture
def app(console_app: Flask) -> Flask:
    console_app.register_blueprint(probe_blueprint())
    return console_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_supervisors_token_opens_the_api(client: FlaskClient, console_db: Database) -> None:
    add_user(console_db, "boss", ["supervisor"])
    token = token_of(console_db, "boss")

    response = client.get("/api/probe/queues", headers=bearer(token))

    assert response.status_code == 200
    assert response.get_json() == {"user": "boss", "rest": "queues", "token": 1}
    assert "Set-Cookie" not in response.headers  # no session for the API
    with console_db.session() as s:
        row = s.get(ApiToken, 1)
        assert row is not None and row.last_used_at is not None


def test_no_or_another_kind_of_authorization_is_401_json(client: FlaskClient) -> None:
    for headers in ({}, {"Authorization": "Basic Ym9zczpwYXNz"}, {"Authorization": "Bearer "}):
        response = client.get("/api/probe/x", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="hotline"'
        assert response.get_json() == {
            "error_id": "unauthenticated",
            "message": "此接口需要 Authorization: Bearer 令牌",
        }


def test_unknown_revoked_and_disabled_tokens_are_401(client: FlaskClient, console_db: Database) -> None:
    add_user(console_db, "boss", ["supervisor"])
    add_user(console_db, "gone", ["supervisor"])
    revoked, disabled = token_of(console_db, "boss"), token_of(console_db, "gone")
    with console_db.session() as s:
        users.revoke_token(s, 1)
        users.deactivate(s, users.find_user(s, "gone"))

    for token in ("hlt_" + "A" * 43, revoked, disabled):
        response = client.get("/api/probe/x", headers={**bearer(token), "Accept-Language": "en"})
        assert response.status_code == 401
        assert response.get_json()["message"] == "The API token is unknown, revoked or its user is disabled"


def test_a_token_of_a_user_without_the_role_is_403(client: FlaskClient, console_db: Database) -> None:
    add_user(console_db, "disp", ["dispatcher", "visitor"])

    response = client.post("/api/probe/x", headers=bearer(token_of(console_db, "disp")))

    assert response.status_code == 403 and response.get_json()["error_id"] == "forbidden"


def test_state_changing_api_calls_need_no_csrf_token(client: FlaskClient, console_db: Database) -> None:
    add_user(console_db, "root", ["admin"])
    token = token_of(console_db, "root")

    for method in ("POST", "DELETE"):
        response = client.open("/api/probe/tickets/1", method=method, headers=bearer(token))
        assert response.status_code == 200 and response.get_json()["user"] == "root"


def test_a_logged_in_browser_cannot_use_the_api_with_its_cookie(app: Flask, console_db: Database) -> None:
    browser = client_of(app, console_db, "boss", ["supervisor"])
    token = csrf_token(browser)

    for method in ("GET", "POST"):
        response = browser.open("/api/probe/x", method=method, headers={"X-CSRFToken": token})
        assert response.status_code == 401 and response.get_json()["error_id"] == "unauthenticated"
    # and a token in a session cookie's company still works
    assert browser.get("/api/probe/x", headers=bearer(token_of(console_db, "boss"))).status_code == 200


def test_api_urls_that_do_not_exist_answer_json(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here", headers={"Accept-Language": "en"})

    assert response.status_code == 404
    assert response.get_json() == {"error_id": "not-found", "message": "Page not found"}
