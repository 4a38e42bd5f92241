"""Console users: create, find, change password, roles and state; check a login."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.db.base import utcnow
from hotline.db.console_models import ROLES, User, UserRole
from hotline.db.models import Agent, County
from hotline.services.agents import AgentNotFound, find_agent
from hotline.users.errors import (
    AgentTaken,
    InvalidDisplayName,
    InvalidUsername,
    LoginRefused,
    UnknownAgent,
    UnknownCounty,
    UnknownLanguage,
    UnknownRole,
    UserExists,
    UserNotFound,
)
from hotline.users.passwords import burn_verify, check_strength, hash_password, verify_password

# Lower-case letters, digits, '.', '_' and '-', 2 to 48 characters, starting with a letter or digit
# (an agent's 工号 such as 8001 is a valid username).
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,47}")
LANGUAGES = ("zh", "en")
DISPLAY_NAME_MAX = 64


def normalize_username(text: str) -> str:
    """The username as stored: trimmed, lower case."""
    return text.strip().lower()


def check_username(text: str) -> str:
    """The normalized username, or InvalidUsername."""
    username = normalize_username(text)
    if not USERNAME.fullmatch(username):
        raise InvalidUsername(
            f"username {text!r}: use 2-48 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return username


def check_display_name(text: str) -> str:
    name = text.strip()
    if not name or len(name) > DISPLAY_NAME_MAX:
        raise InvalidDisplayName(f"a display name has 1 to {DISPLAY_NAME_MAX} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise InvalidDisplayName("a display name has no control characters")
    return name


def check_roles(roles: Iterable[str]) -> frozenset[str]:
    """The roles as a set; UnknownRole for a name not in ROLES, or for none at all."""
    wanted = frozenset(roles)
    unknown = sorted(wanted.difference(ROLES))
    if unknown:
        raise UnknownRole(f"unknown role {', '.join(unknown)}; roles are {', '.join(ROLES)}")
    if not wanted:
        raise UnknownRole(f"a user needs at least one role of {', '.join(ROLES)}")
    return wanted


def _with_links() -> Any:
    return select(User).options(selectinload(User.agent), selectinload(User.county))


def find_user(session: Session, username: str) -> User:
    """The user called `username` (any case), or UserNotFound."""
    user = session.scalar(_with_links().where(User.username == normalize_username(username)))
    if user is None:
        raise UserNotFound(f"no user named {username!r}; `hotline user list` shows them")
    return user


def get_user(session: Session, user_id: int) -> User | None:
    """The user with this id (with its agent and county loaded), or None."""
    return session.scalar(_with_links().where(User.id == user_id))


def list_users(session: Session) -> list[User]:
    """Every user, by username."""
    return list(session.scalars(_with_links().order_by(User.username)))


def _agent(session: Session, name: str, user: User | None = None) -> Agent:
    try:
        agent = find_agent(session, name)
    except AgentNotFound as exc:
        raise UnknownAgent(str(exc)) from None
    holder = session.scalar(select(User).where(User.agent_id == agent.id))
    if holder is not None and holder is not user:
        raise AgentTaken(f"agent {agent.name} is already linked to user {holder.username}")
    return agent


def _county(session: Session, code: str) -> County:
    county = session.scalar(select(County).where(County.code == code))
    if county is None:
        raise UnknownCounty(f"no county with code {code!r}")
    return county


def create_user(
    session: Session,
    username: str,
    roles: Iterable[str],
    password: str,
    *,
    display_name: str | None = None,
    agent: str | None = None,
    county: str | None = None,
    language: str = "zh",
) -> User:
    """Create an active user; `agent` is an agent's name (工号) to link to, `county` a county code
    (default: the agent's county)."""
    name = check_username(username)
    wanted = check_roles(roles)
    if language not in LANGUAGES:
        raise UnknownLanguage(f"language {language!r}: one of {', '.join(LANGUAGES)}")
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise UserExists(f"user {name} exists already")
    check_strength(password, name)
    linked = _agent(session, agent) if agent else None
    user = User(
        username=name,
        display_name=check_display_name(display_name or (linked.display_name if linked else name)),
        password_hash=hash_password(password),
        agent=linked,
        county=_county(session, county) if county else (linked.county if linked else None),
        language=language,
        active=True,
        role_rows=[UserRole(role=r) for r in sorted(wanted)],
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Give `user` a new password; its other console sessions end (they carry the old password's time)."""
    check_strength(password, user.username)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    session.flush()


def set_roles(session: Session, user: User, roles: Iterable[str]) -> None:
    """Replace the roles of `user`."""
    wanted = check_roles(roles)
    user.role_rows = [r for r in user.role_rows if r.role in wanted] + [
        UserRole(role=r) for r in sorted(wanted - user.roles)
    ]
    session.flush()


def set_active(session: Session, user: User, active: bool) -> None:
    """Enable or disable `user`; a disabled user cannot log in and its API tokens stop working."""
    user.active = active
    session.flush()


def deactivate(session: Session, user: User) -> None:
    """Disable `user` (kept for the history it appears in)."""
    set_active(session, user, False)


def verify_login(session: Session, username: str, password: str) -> User:
    """The user if `password` is its password and it is active, else LoginRefused. A hash made with
    older argon2 parameters is replaced on the way."""
    try:
        user = find_user(session, username)
    except UserNotFound:
        burn_verify(password)
        raise LoginRefused("unknown-user") from None
    ok, new_hash = verify_password(user.password_hash, password)
    if not ok:
        raise LoginRefused("bad-password", user)
    if not user.active:
        raise LoginRefused("inactive", user)
    if new_hash is not None:
        user.password_hash = new_hash
        session.flush()
    return user


def user_row(user: User) -> dict[str, Any]:
    """What `hotline user list --json` shows of a user (never its hash)."""
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "roles": sorted(user.roles),
        "agent": user.agent.name if user.agent else None,
        "county": user.county.code if user.county else None,
        "language": user.language,
        "active": user.active,
        "created_at": user.created_at.isoformat(),
        "password_changed_at": user.password_changed_at.isoformat(),
    }
