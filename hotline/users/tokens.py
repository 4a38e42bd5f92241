"""Bearer tokens of the JSON API: only their sha256 is stored; the token itself is shown once."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.db.base import utcnow
from hotline.db.console_models import ApiToken, User
from hotline.users.accounts import find_user
from hotline.users.errors import InvalidTokenName, TokenNotFound

PREFIX = "hlt_"  # makes a leaked token recognisable (secret scanners, logs)
TOKEN_BYTES = 32
NAME_MAX = 64
# last_used_at is written at most this often per token: an API client polling every second must
# not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def digest(token: str) -> str:
    """The sha256 (hex) stored for `token`."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, name: str = "api") -> tuple[ApiToken, str]:
    """A new token of `user`: (its row, the token). The token cannot be read back later."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidTokenName(f"a token name has 1 to {NAME_MAX} characters")
    token = PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    row = ApiToken(user=user, name=name, token_sha256=digest(token))
    session.add(row)
    session.flush()
    return row, token


def authenticate_token(session: Session, token: str) -> tuple[User, ApiToken] | None:
    """The active user and token row `token` stands for, or None (unknown, revoked, user disabled)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    wanted = digest(token)
    # Looked up by its hash, so the comparison in the index leaks nothing an attacker can steer; the
    # compare_digest below is for the row found, in case a database compares case-insensitively.
    row = session.scalar(
        select(ApiToken)
        .options(selectinload(ApiToken.user).options(selectinload(User.agent), selectinload(User.county)))
        .where(ApiToken.token_sha256 == wanted)
    )
    if row is None or not hmac.compare_digest(row.token_sha256, wanted):
        return None
    if row.revoked_at is not None or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
        session.flush()
    return row.user, row


def revoke_token(session: Session, token_id: int) -> ApiToken:
    """Revoke token `token_id` (revoking twice keeps the first time); TokenNotFound if none."""
    row = session.get(ApiToken, token_id, options=[selectinload(ApiToken.user)])
    if row is None:
        raise TokenNotFound(f"no API token with id {token_id}; `hotline token list` shows them")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
    return row


def list_tokens(session: Session, username: str | None = None) -> list[ApiToken]:
    """Tokens (of one user, or of all), oldest first."""
    stmt = select(ApiToken).options(selectinload(ApiToken.user)).order_by(ApiToken.id)
    if username is not None:
        stmt = stmt.where(ApiToken.user_id == find_user(session, username).id)
    return list(session.scalars(stmt))


def token_row(row: ApiToken) -> dict[str, object]:
    """What `hotline token list --json` shows of a token (never the token or its hash)."""
    return {
        "id": row.id,
        "user": row.user.username,
        "name": row.name,
        "created_at": row.created_at.isoformat(),
        "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
    }
