"""What can go wrong with a user, a password or a token: one class each, with a kebab-case error_id."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotline.db.console_models import User


class AccountError(ValueError):
    """A request about a user that cannot be done; the message says why."""

    error_id = "account-error"


class InvalidUsername(AccountError):
    error_id = "invalid-username"


class InvalidDisplayName(AccountError):
    error_id = "invalid-display-name"


class UnknownRole(AccountError):
    error_id = "unknown-role"


class UnknownLanguage(AccountError):
    error_id = "unknown-language"


class UserExists(AccountError):
    error_id = "user-exists"


class UserNotFound(AccountError, LookupError):
    error_id = "user-not-found"


class UnknownAgent(AccountError, LookupError):
    error_id = "unknown-agent"


class AgentTaken(AccountError):
    error_id = "agent-taken"


class UnknownCounty(AccountError, LookupError):
    error_id = "unknown-county"


class LoginRefused(Exception):
    """A login that does not succeed; `reason` (unknown-user | bad-password | inactive) is for the
    audit log only: the person is told the same thing whatever the reason."""

    def __init__(self, reason: str, user: User | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user = user


class WeakPassword(AccountError):
    """A password too short, too long or equal to its username."""

    error_id = "weak-password"


class TokenNotFound(AccountError, LookupError):
    error_id = "token-not-found"


class InvalidTokenName(AccountError):
    error_id = "invalid-token-name"
