"""Logging in and out of the console, changing one's password, the login limit, CSRF and roles."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from hotline import users
from hotline.db.console_models import AuditEntry
from hotline.db.session import Database
from tests.unit.consoletools import PASSWORD, add_user, client_of, csrf_token, landing, login
from webconsole.auth.views import LIMITER


def audit_log(db: Database) -> list[tuple[str, str | None, dict[str, object] | None]]:
    with db.session() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(r.action, r.object_id, r.detail) for r in rows]


def test_anonymous_pages_redirect_to_the_login_form_and_back(
    console_app: Flask, console_db: Database
) -> None:
    add_user(console_db, "bob", ["dispatcher"])
    client = console_app.test_client()

    response = client.get("/overview?x=1")
    assert response.status_code == 302 and response.location == "/login?next=/overview?x%3D1"
    form = client.get(response.location).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/overview?x=1"' in form

    response = login(client, "bob", next="/overview?x=1")
    assert response.status_code == 302 and response.location == "/overview?x=1"
    assert client.get("/overview?x=1").status_code == 200


def test_login_is_audited_and_lands_on_the_users_page(console_app: Flask, console_db: Database) -> None:
    add_user(console_db, "bob", ["dispatcher"], display_name="孙丽")
    client = console_app.test_client()

    response = login(client, " BOB ")

    assert response.status_code == 302 and response.location == landing(console_app, ["dispatcher"])
    assert client.get("/").location == landing(console_app, ["dispatcher"])
    page = client.get("/overview").get_data(as_text=True)
    assert '<span id="current-user">孙丽 (bob)</span>' in page
    assert audit_log(console_db) == [("login", "bob", None)]


def test_a_wrong_password_is_refused_and_audited(console_app: Flask, console_db: Database) -> None:
    add_user(console_db, "bob", ["dispatcher"])
    client = console_app.test_client()

    wrong = login(client, "bob", "not the password")
    unknown = login(client, "mallory", "not the password")

    for response in (wrong, unknown):
        page = response.get_data(as_text=True)
        assert response.status_code == 401
        assert 'data-error-id="login-failed"' in page and "用户名或密码错误" in page
    assert client.get("/overview").status_code == 302
    assert audit_log(console_db) == [
        ("login.failed", "bob", {"reason": "bad-password"}),
        ("login.failed", "mallory", {"reason": "unknown-user"}),
    ]


def test_a_disabled_user_cannot_log_in(console_app: Flask, console_db: Database) -> None:
    add_user(console_db, "bob", ["dispatcher"])
    with console_db.session() as s:
        users.deactivate(s, users.find_user(s, "bob"))

    response = login(console_app.test_client(), "bob")

    assert response.status_code == 401
    assert audit_log(console_db) == [("login.failed", "bob", {"reason": "inactive"})]


def test_the_next_page_never_leads_off_the_console(console_app: Flask, console_db: Database) -> None:
    add_user(console_db, "bob", ["dispatcher"])
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        client = console_app.test_client()
        response = login(client, "bob", next=target)
        assert response.status_code == 302 and response.location == landing(console_app, ["dispatcher"]), (
            target
        )


def test_logout_ends_the_session_and_needs_a_csrf_token(console_app: Flask, console_db: Database) -> None:
    client = client_of(console_app, console_db, "bob", ["visitor"])

    assert client.post("/logout").status_code == 400  # no token: refused, still logged in
    assert client.get("/overview").status_code == 200

    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/overview")})
    assert response.status_code == 302 and response.location == "/login"
    assert "您已退出登录" in client.get("/login").get_data(as_text=True)
    assert client.get("/overview").status_code == 302
    assert [a for a, _o, _d in audit_log(console_db)] == ["login", "logout"]


def test_csrf_is_checked_on_the_login_form(console_app: Flask, console_db: Database) -> None:
    add_user(console_db, "bob", ["dispatcher"])
    client = console_app.test_client()

    missing = client.post("/login", data={"username": "bob", "password": PASSWORD})
    forged = client.post("/login", data={"username": "bob", "password": PASSWORD, "csrf_token": "forged"})
    other = console_app.test_client()
    foreign = other.post(
        "/login", data={"username": "bob", "password": PASSWORD, "csrf_token": csrf_token(client)}
    )

    for response in (missing, forged, foreign):
        assert response.status_code == 400
        assert 'data-error-id="csrf-refused"' in response.get_data(as_text=True)
    assert audit_log(console_db) == []  # refused before the password was even looked at
    assert login(client, "bob").status_code == 302


def test_the_csrf_token_may_come_in_a_header(console_app: Flask, console_db: Database) -> None:
    client = client_of(console_app, console_db, "bob", ["visitor"])
    token = csrf_token(client, "/overview")

    response = client.post("/logout", headers={"X-CSRFToken": token})

    assert response.status_code == 302 and response.location == "/login"


def test_failed_logins_are_limited_per_username_and_address(console_app: Flask, console_db: Database) -> None:
    add_user(console_db, "bob", ["dispatcher"])
    clock = [1000.0]
    console_app.extensions[LIMITER].clock = lambda: clock[0]
    client = console_app.test_client()

    for _ in range(10):
        assert login(client, "bob", "guess password").status_code == 401
    blocked = login(client, "bob")  # even the right password

    assert blocked.status_code == 429
    assert 'data-error-id="too-many-attempts"' in blocked.get_data(as_text=True)
    other_address = console_app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert login(other_address, "bob").status_code == 302
    failures = [d for a, _o, d in audit_log(console_db) if a == "login.failed"]
    assert len(failures) == 10 and failures[-1] == {"reason": "bad-password", "blocked": True}

    clock[0] += 301  # the window has passed
    assert login(client, "bob").status_code == 302


def test_a_success_clears_the_failures(console_app: Flask, console_db: Database) -> None:
    add_user(console_db, "bob", ["dispatcher"])
    client = console_app.test_client()
    for _ in range(9):
        login(client, "bob", "guess password")
    assert login(client, "bob").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/overview")})
    for _ in range(9):
        assert login(client, "bob", "guess password").status_code == 401
    assert login(client, "bob").status_code == 302


def test_a_user_changes_its_password_and_other_sessions_end(console_app: Flask, console_db: Database) -> None:
    here = client_of(console_app, console_db, "bob", ["visitor"])
    elsewhere = console_app.test_client()
    assert login(elsewhere, "bob").status_code == 302

    token = csrf_token(here, "/password")
    new = "a brand new secret"
    response = here.post(
        "/password", data={"current": PASSWORD, "new": new, "confirm": new, "csrf_token": token}
    )

    assert response.status_code == 302
    assert here.get("/overview").status_code == 200  # this session goes on
    assert elsewhere.get("/overview").status_code == 302  # the other one is over
    with console_db.session() as s:
        assert users.verify_login(s, "bob", "a brand new secret")
    assert ("password.change", "bob", None) in audit_log(console_db)


def test_a_password_change_needs_the_current_password_and_a_good_new_one(
    console_app: Flask, console_db: Database
) -> None:
    client = client_of(console_app, console_db, "bobbybobby", ["visitor"])
    token = csrf_token(client, "/password")

    def change(current: str, new: str, confirm: str | None = None) -> str:
        data = {"current": current, "new": new, "confirm": confirm or new, "csrf_token": token}
        return client.post("/password", data=data).get_data(as_text=True)

    assert 'data-error-id="wrong-password"' in change("wrong current", "a brand new secret")
    assert "两次输入的新密码不一致" in change(PASSWORD, "a brand new secret", "another secret!!")
    assert "至少 10 个、至多 256 个字符" in change(PASSWORD, "short")
    assert 'data-error-id="weak-password"' in change(PASSWORD, "BobbyBobby")
    with console_db.session() as s:
        assert users.verify_login(s, "bobbybobby", PASSWORD)


def test_a_disabled_users_session_ends(console_app: Flask, console_db: Database) -> None:
    client = client_of(console_app, console_db, "bob", ["visitor"])
    with console_db.session() as s:
        users.deactivate(s, users.find_user(s, "bob"))

    assert client.get("/overview").status_code == 302


def test_html_in_a_display_name_is_escaped(console_app: Flask, console_db: Database) -> None:
    add_user(console_db, "bob", ["visitor"], display_name="<script>alert(1)</script>")
    client = console_app.test_client()
    login(client, "bob")

    page = client.get("/overview").get_data(as_text=True)

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (bob)" in page


def test_pages_of_a_user_are_not_cached_and_not_framed(console_app: Flask, console_db: Database) -> None:
    client = client_of(console_app, console_db, "bob", ["visitor"])

    page = client.get("/overview")
    health = client.get("/healthz")

    assert page.headers["Cache-Control"] == "no-store" and page.headers["X-Frame-Options"] == "DENY"
    assert "Cache-Control" not in health.headers and health.headers["X-Content-Type-Options"] == "nosniff"
