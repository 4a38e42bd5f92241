"""The one check every request passes before its view: the route's declared access, then CSRF."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response as WerkzeugResponse

from webconsole.auth.access import access_of
from webconsole.auth.identity import bearer_user, user_load_failed
from webconsole.errors import DatabaseUnavailable, Forbidden, RouteWithoutAccess, Unauthenticated, wants_json

logger = logging.getLogger(__name__)


def _protect_csrf() -> None:
    config = current_app.config
    if config["WTF_CSRF_ENABLED"] and request.method in config["WTF_CSRF_METHODS"]:
        csrf = current_app.extensions["csrf"]
        assert isinstance(csrf, CSRFProtect)
        csrf.protect()  # raises CSRFError: a 400 (webconsole.errors)


def _login_redirect() -> WerkzeugResponse:
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("auth.login", next=target))


def guard() -> WerkzeugResponse | None:
    """Refuse the request unless the route's declaration allows its caller (and a state-changing
    request carries the session's CSRF token)."""
    endpoint = request.endpoint
    if endpoint is None:  # no route (404) or wrong method (405): werkzeug answers
        return None
    access = access_of(current_app, endpoint)
    if access is None:
        logger.error("console: route %s declares no access; refused", endpoint)
        raise RouteWithoutAccess()
    if access.token:
        # The JSON API: only a bearer token counts (a browser's cookie would make it forgeable).
        g.json_errors = True
        user = bearer_user()
        if user.roles.isdisjoint(access.roles):
            raise Forbidden()
        g.api_user = user
        return None
    if not access.public:
        if not current_user.is_authenticated:
            if user_load_failed():
                raise DatabaseUnavailable()
            if wants_json():
                raise Unauthenticated()
            return _login_redirect()
        if current_user.roles.isdisjoint(access.roles):
            logger.info("console: %s refused to %s (roles %s)", endpoint, current_user.username,
                        ",".join(sorted(current_user.roles)))  # fmt: skip
            raise Forbidden()
    _protect_csrf()
    return None


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    endpoint = request.endpoint
    access = access_of(current_app, endpoint) if endpoint else None
    if access is not None and not access.public:
        headers.setdefault("Cache-Control", "no-store")  # pages of a logged-in user stay out of caches
    return response


def init_app(app: Flask) -> None:
    # Checked by the guard, after the login check and never on the token API: Flask-WTF's own hook off.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid as long as the session
    CSRFProtect(app)
    app.before_request(guard)
    app.after_request(_security_headers)
