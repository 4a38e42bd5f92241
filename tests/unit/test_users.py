"""hotline.users: console users with argon2 passwords, roles and agent links; API tokens; audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from hotline import users
from hotline.db.console_models import ApiToken, AuditEntry, User
from hotline.db.models import Agent, County
from hotline.db.session import Database
from hotline.users import passwords, tokens

PASSWORD = "correct horse battery"


@pytest.fixture
def db(console_db: Database, fast_passwords: PasswordHasher) -> Database:
    with console_db.session() as s:
        futian = County(code="futian", name_zh="福田区", name_en="Futian")
        s.add(futian)
        s.flush()
        s.add(Agent(name="8002", display_name="李强", endpoint="agent8002", county_id=futian.id))
    return console_db


def create(
    db: Database, username: str = "alice", roles: tuple[str, ...] = ("dispatcher",), **kw: str
) -> None:
    with db.session() as s:
        users.create_user(s, username, roles, kw.pop("password", PASSWORD), **kw)


def test_a_user_is_created_with_its_roles_and_a_hash_never_the_password(db: Database) -> None:
    create(db, "Alice", ("dispatcher", "visitor"), display_name="  孙丽 ")

    with db.session() as s:
        user = users.find_user(s, "alice")
        assert (user.username, user.display_name, user.roles) == ("alice", "孙丽", {"dispatcher", "visitor"})
        assert user.active and user.language == "zh"
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_an_agent_link_gives_the_agents_name_and_county(db: Database) -> None:
    create(db, "8002", ("intake",), agent="8002")

    with db.session() as s:
        row = users.user_row(users.find_user(s, "8002"))
    assert (row["display_name"], row["agent"], row["county"]) == ("李强", "8002", "futian")


@pytest.mark.parametrize(
    ("username", "roles", "kw", "error"),
    [
        ("a", ("admin",), {}, users.InvalidUsername),
        ("has space", ("admin",), {}, users.InvalidUsername),
        ("-dash", ("admin",), {}, users.InvalidUsername),
        ("x" * 49, ("admin",), {}, users.InvalidUsername),
        ("bob", ("root",), {}, users.UnknownRole),
        ("bob", (), {}, users.UnknownRole),
        ("bob", ("admin",), {"agent": "9999"}, users.UnknownAgent),
        ("bob", ("admin",), {"county": "atlantis"}, users.UnknownCounty),
        ("bob", ("admin",), {"language": "fr"}, users.UnknownLanguage),
        ("bob", ("admin",), {"display_name": "a\x00b"}, users.InvalidDisplayName),
        ("bob", ("admin",), {"password": "short"}, users.WeakPassword),
        ("bob", ("admin",), {"password": "Bob"}, users.WeakPassword),
        ("bobbybobby", ("admin",), {"password": "BobbyBobby"}, users.WeakPassword),
    ],
)
def test_invalid_users_are_refused_with_a_reason(
    db: Database, username: str, roles: tuple[str, ...], kw: dict[str, str], error: type[Exception]
) -> None:
    with pytest.raises(error):
        create(db, username, roles, **kw)
    with db.session() as s:
        assert s.scalar(select(User.id)) is None


def test_a_username_and_an_agent_are_taken_once(db: Database) -> None:
    create(db, "alice", agent="8002")
    with pytest.raises(users.UserExists):
        create(db, "ALICE")
    with pytest.raises(users.AgentTaken, match="already linked to user alice"):
        create(db, "bob", agent="8002")


def test_login_checks_the_password_and_the_state(db: Database) -> None:
    create(db)
    with db.session() as s:
        assert users.verify_login(s, " Alice ", PASSWORD).username == "alice"
        refusals = [("alice", "wrong password", "bad-password"), ("nobody", PASSWORD, "unknown-user")]
        for name, password, reason in refusals:
            with pytest.raises(users.LoginRefused) as refused:
                users.verify_login(s, name, password)
            assert refused.value.reason == reason
        users.deactivate(s, users.find_user(s, "alice"))
        with pytest.raises(users.LoginRefused, match="inactive"):
            users.verify_login(s, "alice", PASSWORD)


def test_a_hash_with_old_parameters_is_replaced_at_the_next_login(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    create(db)  # hashed with the fast test parameters
    with db.session() as s:
        old = users.find_user(s, "alice").password_hash
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", stronger)

    with db.session() as s:
        users.verify_login(s, "alice", PASSWORD)
    with db.session() as s:
        new = users.find_user(s, "alice").password_hash
        users.verify_login(s, "alice", PASSWORD)  # still the same password

    assert new != old and "m=2048,t=2,p=1" in new and not stronger.check_needs_rehash(new)
    with db.session() as s:
        assert users.find_user(s, "alice").password_hash == new  # no rehash when nothing changed


def test_a_wrong_password_never_rehashes(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    create(db)
    with db.session() as s:
        old = users.find_user(s, "alice").password_hash
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    with db.session() as s, pytest.raises(users.LoginRefused):
        users.verify_login(s, "alice", "not the password")
    with db.session() as s:
        assert users.find_user(s, "alice").password_hash == old


def test_a_new_password_replaces_the_old_one_and_moves_its_time(db: Database) -> None:
    create(db)
    with db.session() as s:
        user = users.find_user(s, "alice")
        before = user.password_changed_at
        users.set_password(s, user, "another good password")
        assert user.password_changed_at > before
        with pytest.raises(users.LoginRefused):
            users.verify_login(s, "alice", PASSWORD)
        assert users.verify_login(s, "alice", "another good password")


def test_generated_passwords_are_strong_and_distinct() -> None:
    generated = {users.generate_password() for _ in range(50)}
    assert len(generated) == 50
    for password in generated:
        users.check_strength(password)
        assert len(password) >= 16


def test_roles_are_replaced(db: Database) -> None:
    create(db, roles=("dispatcher", "visitor"))
    with db.session() as s:
        users.set_roles(s, users.find_user(s, "alice"), ["visitor", "supervisor"])
    with db.session() as s:
        assert users.find_user(s, "alice").roles == {"visitor", "supervisor"}


def test_a_token_is_shown_once_and_only_its_sha256_is_stored(db: Database) -> None:
    create(db)
    with db.session() as s:
        row, token = users.create_token(s, users.find_user(s, "alice"), "wallboard")
    assert token.startswith("hlt_") and len(token) > 40
    with db.session() as s:
        stored = s.scalars(select(ApiToken)).one()
        assert stored.token_sha256 == tokens.digest(token) and token not in stored.token_sha256
        assert stored.last_used_at is None

        found = users.authenticate_token(s, token)
        assert found is not None and found[0].username == "alice" and found[1].id == row.id
        assert stored.last_used_at is not None


def test_unknown_revoked_and_disabled_tokens_are_refused(db: Database) -> None:
    create(db)
    create(db, "bob")
    with db.session() as s:
        _, alice_token = users.create_token(s, users.find_user(s, "alice"))
        bob_row, bob_token = users.create_token(s, users.find_user(s, "bob"))
    with db.session() as s:
        altered = alice_token[:-1] + ("A" if alice_token[-1] != "A" else "B")
        assert users.authenticate_token(s, altered) is None
        assert users.authenticate_token(s, "not-a-token") is None
        users.revoke_token(s, bob_row.id)
        assert users.authenticate_token(s, bob_token) is None
        users.deactivate(s, users.find_user(s, "alice"))
        assert users.authenticate_token(s, alice_token) is None
        with pytest.raises(users.TokenNotFound):
            users.revoke_token(s, 999)


def test_last_used_is_written_at_most_once_a_minute(db: Database) -> None:
    create(db)
    with db.session() as s:
        row, token = users.create_token(s, users.find_user(s, "alice"))
    with db.session() as s:
        users.authenticate_token(s, token)
        stored = s.get(ApiToken, row.id)
        assert stored is not None and stored.last_used_at is not None
        first = stored.last_used_at

        users.authenticate_token(s, token)
        assert stored.last_used_at == first  # within the minute: no write

        stored.last_used_at = first - timedelta(minutes=2)
        users.authenticate_token(s, token)
        assert stored.last_used_at >= first


def test_audit_records_who_what_and_where(db: Database) -> None:
    create(db)
    with db.session() as s:
        user = users.find_user(s, "alice")
        users.audit(s, user, "recording.play", "recording", 42, "10.0.0.7", {"call": "c1"})
        users.audit(s, None, "login.failed", "user", "mallory", "10.0.0.8", {"reason": "unknown-user"})
    with db.session() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(r.action, r.object_type, r.object_id, r.remote_addr, r.detail) for r in rows] == [
            ("recording.play", "recording", "42", "10.0.0.7", {"call": "c1"}),
            ("login.failed", "user", "mallory", "10.0.0.8", {"reason": "unknown-user"}),
        ]
        assert rows[0].user_id is not None and rows[1].user_id is None
        with pytest.raises(ValueError):
            users.audit(s, None, "x" * 33)


def test_users_work_on_the_migrated_schema(database: Database, fast_passwords: PasswordHasher) -> None:
    with database.session() as s:
        user = users.create_user(s, "admin", ["admin"], PASSWORD)
        users.create_token(s, user, "ci")
        users.audit(s, user, "login", "user", "admin", "127.0.0.1")
    with database.session() as s:
        assert users.verify_login(s, "admin", PASSWORD).roles == {"admin"}
        assert users.list_tokens(s, "admin")[0].name == "ci"
