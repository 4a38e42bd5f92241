"""Who is calling: the session's user (Flask-Login) or an API token's user, as a ConsoleUser that
holds no database object; the audit log helper of the views."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, g, request
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from hotline import users
from hotline.db.console_models import User
from webconsole import console
from webconsole.errors import DatabaseUnavailable, Unauthenticated
from webconsole.i18n import N_

logger = logging.getLogger(__name__)

USER_LOAD_FAILED = "hotline_user_load_failed"


def session_stamp(user: User) -> str:
    """Changes when the password changes: a session made before is no longer accepted."""
    return format(int(user.password_changed_at.timestamp() * 1_000_000), "x")


@dataclass(frozen=True, eq=False)
class ConsoleUser(UserMixin):
    """A logged-in user as the views see it (detached from any database session)."""

    id: int
    username: str
    display_name: str
    roles: frozenset[str]
    agent_id: int | None
    agent_name: str | None
    county_id: int | None
    county_code: str | None
    language: str
    stamp: str

    @classmethod
    def from_row(cls, user: User) -> ConsoleUser:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            roles=user.roles,
            agent_id=user.agent_id,
            agent_name=user.agent.name if user.agent else None,
            county_id=user.county_id,
            county_code=user.county.code if user.county else None,
            language=user.language,
            stamp=session_stamp(user),
        )

    def get_id(self) -> str:
        return f"{self.id}:{self.stamp}"

    def has_role(self, *names: str) -> bool:
        return not self.roles.isdisjoint(names)


class AnonymousConsoleUser(AnonymousUserMixin):
    """Nobody logged in: the same attributes, empty, so templates need no special case."""

    id = None
    username = ""
    display_name = ""
    roles: frozenset[str] = frozenset()
    agent_id = None
    agent_name = None
    county_id = None
    county_code = None
    language = None

    def has_role(self, *names: str) -> bool:
        return False


def load_user(user_id: str) -> ConsoleUser | None:
    """Flask-Login's loader: the active user whose password has not changed since the login."""
    ident, _sep, stamp = user_id.partition(":")
    if not ident.isdigit():
        return None
    try:
        with console().database.session() as session:
            user = users.get_user(session, int(ident))
            if user is None or not user.active or session_stamp(user) != stamp:
                return None
            return ConsoleUser.from_row(user)
    except (DatabaseUnavailable, DBAPIError) as exc:
        # Treated as anonymous so an error page can still render; the guard turns it into a 503.
        logger.error("console: cannot load user %s: %s", ident, exc)
        g.setdefault(USER_LOAD_FAILED, True)
        return None


def user_load_failed() -> bool:
    return bool(g.get(USER_LOAD_FAILED, False))


def bearer_user() -> ConsoleUser:
    """The user of the request's `Authorization: Bearer <token>`, or Unauthenticated."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(N_("This API needs an Authorization: Bearer token"))
    with console().database.session() as session:
        found = users.authenticate_token(session, token.strip())
        if found is None:
            raise Unauthenticated(N_("The API token is unknown, revoked or its user is disabled"))
        user, row = found
        g.api_token_id = row.id
        return ConsoleUser.from_row(user)


def acting_user() -> ConsoleUser:
    """The user of this request: the API token's, else the session's; Unauthenticated if neither."""
    api = g.get("api_user")
    if isinstance(api, ConsoleUser):
        return api
    user = current_user._get_current_object()
    if isinstance(user, ConsoleUser):
        return user
    raise Unauthenticated()


def audit_here(
    session: Session,
    action: str,
    object_type: str | None = None,
    object_id: str | int | None = None,
    detail: Mapping[str, object] | None = None,
) -> None:
    """Audit `action` by the acting user (if any) from the request's address."""
    api = g.get("api_user")
    user = api if isinstance(api, ConsoleUser) else current_user._get_current_object()
    user_id = user.id if isinstance(user, ConsoleUser) else None
    users.audit(session, user_id, action, object_type, object_id, request.remote_addr, detail)


def init_app(app: Flask) -> None:
    manager = LoginManager()
    manager.init_app(app)
    manager.session_protection = "strong"
    manager.login_view = "auth.login"
    manager.anonymous_user = AnonymousConsoleUser
    manager.user_loader(load_user)
