"""`hotline user ...`, `hotline token ...` and the demo users of `hotline db seed --demo`."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from hotline import users
from hotline.db.console_models import AuditEntry
from hotline.db.models import Agent
from hotline.db.session import Database
from hotline.services.demo_users import DEMO_LOGINS, read_demo_logins
from hotline.services.seed import AGENTS
from tests.unit.clitools import cli_env, hotline, hotline_input

GENERATED = re.compile(r"password of (\S+) \(shown once, keep it safe\): (\S+)")


@pytest.fixture
def env(database: Database, tmp_path: Path, fast_passwords: PasswordHasher) -> dict[str, str]:
    with database.session() as s:
        s.add(Agent(name="8001", display_name="张敏", endpoint="agent8001"))
    return cli_env(database, tmp_path)


def login_ok(database: Database, username: str, password: str) -> bool:
    with database.session() as s:
        try:
            users.verify_login(s, username, password)
        except users.LoginRefused:
            return False
    return True


def test_user_add_generates_a_password_and_prints_it_once(env: dict[str, str], database: Database) -> None:
    result = hotline(
        env, "user", "add", "Zhang", "--role", "intake", "--role", "supervisor", "--agent", "8001"
    )

    assert result.exit_code == 0, result.output
    assert "user zhang (张敏) created: intake, supervisor, agent 8001" in result.output
    found = GENERATED.search(result.output)
    assert found and found.group(1) == "zhang" and len(found.group(2)) >= 16
    assert login_ok(database, "zhang", found.group(2))
    listed = hotline(env, "user", "list")
    assert found.group(2) not in listed.output  # shown once, never again
    with database.session() as s:
        entry = s.scalars(select(AuditEntry)).one()
        assert (entry.action, entry.object_id, entry.detail["via"]) == ("user.add", "zhang", "cli")  # type: ignore[index]


def test_user_add_reads_the_password_from_stdin_and_does_not_print_it(
    env: dict[str, str], database: Database
) -> None:
    result = hotline_input(
        env, "a chosen password\n", "user", "add", "li", "--role", "admin", "--password-stdin"
    )

    assert result.exit_code == 0, result.output
    assert "a chosen password" not in result.output and "shown once" not in result.output
    assert login_ok(database, "li", "a chosen password")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["user", "add", "bob", "--role", "root"], "", "'root' is not one of"),
        (["user", "add", "bob"], "", "Missing option '--role'"),
        (["user", "add", "b b", "--role", "admin"], "", "username 'b b': use 2-48 lower-case letters"),
        (["user", "add", "bob", "--role", "admin", "--agent", "9999"], "", "no agent named '9999'"),
        (["user", "add", "bob", "--role", "admin", "--county", "mars"], "", "no county with code 'mars'"),
        (["user", "add", "bob", "--role", "admin", "--password-stdin"], "short\n", "at least 10 characters"),
        (["user", "add", "bob", "--role", "admin", "--password-stdin"], "", "no password on standard input"),
        (["user", "passwd", "nobody"], "", "no user named 'nobody'"),
        (["token", "create", "nobody"], "", "no user named 'nobody'"),
        (["token", "revoke", "77"], "", "no API token with id 77"),
    ],
)
def test_mistakes_are_one_clear_line(env: dict[str, str], args: list[str], stdin: str, message: str) -> None:
    result = hotline_input(env, stdin, *args)

    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_a_taken_username_is_refused(env: dict[str, str]) -> None:
    assert hotline(env, "user", "add", "bob", "--role", "admin").exit_code == 0
    result = hotline(env, "user", "add", "BOB", "--role", "visitor")
    assert result.exit_code == 2 and "user bob exists already" in result.output


def test_passwd_generates_or_reads_a_new_password(env: dict[str, str], database: Database) -> None:
    first = GENERATED.search(hotline(env, "user", "add", "bob", "--role", "admin").output)
    assert first

    result = hotline(env, "user", "passwd", "bob")
    second = GENERATED.search(result.output)
    assert result.exit_code == 0 and "user bob: password changed" in result.output
    assert second and second.group(2) != first.group(2)
    assert login_ok(database, "bob", second.group(2)) and not login_ok(database, "bob", first.group(2))

    result = hotline_input(env, "my own new password\n", "user", "passwd", "bob", "--password-stdin")
    assert result.exit_code == 0 and "my own new password" not in result.output
    assert login_ok(database, "bob", "my own new password")


def test_list_shows_users_without_secrets(env: dict[str, str]) -> None:
    hotline(env, "user", "add", "zhang", "--role", "intake", "--agent", "8001")
    hotline(env, "user", "add", "admin", "--role", "admin", "--name", "管理员", "--language", "en")

    rows = json.loads(hotline(env, "user", "list", "--json").output)
    text = hotline(env, "user", "list").output

    assert [
        (r["username"], r["display_name"], r["roles"], r["agent"], r["language"], r["active"]) for r in rows
    ] == [
        ("admin", "管理员", ["admin"], None, "en", True),
        ("zhang", "张敏", ["intake"], "8001", "zh", True),
    ]
    assert not any("hash" in key or key == "password" for row in rows for key in row)
    assert "argon2" not in text and "zhang" in text and "agent=8001" in text


def test_disable_refuses_logins_and_tokens_enable_restores(env: dict[str, str], database: Database) -> None:
    hotline_input(env, "a chosen password\n", "user", "add", "bob", "--role", "admin", "--password-stdin")
    token = hotline(env, "token", "create", "bob").stdout.strip()

    result = hotline(env, "user", "disable", "bob")
    assert result.exit_code == 0 and "disabled" in result.output
    assert not login_ok(database, "bob", "a chosen password")
    with database.session() as s:
        assert users.authenticate_token(s, token) is None
    assert hotline(env, "token", "create", "bob").exit_code == 2

    assert hotline(env, "user", "enable", "bob").exit_code == 0
    assert login_ok(database, "bob", "a chosen password")


def test_token_create_list_revoke(env: dict[str, str], database: Database) -> None:
    hotline(env, "user", "add", "bob", "--role", "supervisor")

    created = hotline(env, "token", "create", "bob", "--name", "wallboard")
    token = created.stdout.strip()
    assert (
        created.exit_code == 0 and token.startswith("hlt_") and "token 1 (wallboard) of bob" in created.output
    )
    with database.session() as s:
        found = users.authenticate_token(s, token)
        assert found is not None and found[0].username == "bob"

    rows = json.loads(hotline(env, "token", "list", "bob", "--json").output)
    assert [(r["id"], r["user"], r["name"], r["revoked_at"]) for r in rows] == [(1, "bob", "wallboard", None)]
    assert token not in hotline(env, "token", "list").output

    revoked = hotline(env, "token", "revoke", "1")
    assert revoked.exit_code == 0 and "token 1 of bob: revoked" in revoked.output
    with database.session() as s:
        assert users.authenticate_token(s, token) is None
    assert json.loads(hotline(env, "token", "list", "--json").output)[0]["revoked_at"] is not None
    with database.session() as s:
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["user.add", "token.create", "token.revoke"]


def test_demo_seed_creates_a_user_per_role_with_generated_passwords_kept_private(
    env: dict[str, str], database: Database, tmp_path: Path
) -> None:
    result = hotline(env, "db", "seed", "--demo")

    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    path = tmp_path / "home" / DEMO_LOGINS
    assert counts["users"] == 5 + len(AGENTS) and counts["demo_logins"] == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    logins = read_demo_logins(path)
    assert len(set(logins.values())) == len(logins)  # every password its own
    for username, password in logins.items():
        assert password in result.stderr  # printed
        assert login_ok(database, username, password), username
    with database.session() as s:
        rows = {u.username: u for u in users.list_users(s)}
        assert {role for u in rows.values() for role in u.roles} == {
            "admin", "intake", "dispatcher", "visitor", "supervisor", "area_manager"
        }  # fmt: skip
        assert rows["8001"].agent is not None and rows["8001"].agent.name == "8001"
        assert rows["8003"].county is not None and rows["8003"].county.code == "luohu"
        assert rows["areamanager"].county is not None and rows["areamanager"].county.code == "futian"


def test_seeding_again_keeps_the_passwords(env: dict[str, str], database: Database, tmp_path: Path) -> None:
    hotline(env, "db", "seed", "--demo")
    path = tmp_path / "home" / DEMO_LOGINS
    first = read_demo_logins(path)

    assert hotline(env, "db", "seed", "--demo").exit_code == 0
    assert read_demo_logins(path) == first

    # A file lost: the users get new passwords, written down again.
    path.unlink()
    assert hotline(env, "db", "seed", "--demo").exit_code == 0
    again = read_demo_logins(path)
    assert again.keys() == first.keys() and not set(again.values()) & set(first.values())
    assert login_ok(database, "admin", again["admin"])
