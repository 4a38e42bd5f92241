"""Logins, roles and CSRF for every route: what each blueprint imports from here.

from webconsole.auth import public, roles, signed_in, api_auth, acting_user, audit_here
"""

from __future__ import annotations

from flask import Flask

from webconsole.auth.access import (
    ALL_ROLES,
    Access,
    access_of,
    api_auth,
    check_routes,
    public,
    roles,
    signed_in,
    token_required,
)
from webconsole.auth.identity import AnonymousConsoleUser, ConsoleUser, acting_user, audit_here

__all__ = [
    "ALL_ROLES",
    "Access",
    "AnonymousConsoleUser",
    "ConsoleUser",
    "access_of",
    "acting_user",
    "api_auth",
    "audit_here",
    "check_routes",
    "init_app",
    "public",
    "roles",
    "signed_in",
    "token_required",
]

LOGIN_ATTEMPTS = 10
LOGIN_WINDOW_S = 300


def init_app(app: Flask) -> None:
    """Flask-Login, CSRF, the guard and the login limiter; registers the auth blueprint."""
    from webconsole.auth import guard, identity, nav
    from webconsole.auth.limiter import AttemptLimiter
    from webconsole.auth.views import LIMITER, bp

    app.config.setdefault("LOGIN_ATTEMPTS", LOGIN_ATTEMPTS)
    app.config.setdefault("LOGIN_WINDOW_S", LOGIN_WINDOW_S)
    identity.init_app(app)
    guard.init_app(app)
    nav.init_app(app)
    app.extensions[LIMITER] = AttemptLimiter(app.config["LOGIN_ATTEMPTS"], app.config["LOGIN_WINDOW_S"])
    app.register_blueprint(bp)
