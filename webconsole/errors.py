"""Errors as contracts: a class with its status code, kebab-case error_id and message (English, marked
for the catalog), translated once here at the HTTP edge; an HTML page, or JSON for the API."""

from __future__ import annotations

import logging
import re
from typing import ClassVar

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from webconsole.i18n import N_, _

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


class ConsoleError(Exception):
    """An error with its HTTP contract. `message` may hold %(name)s placeholders filled from the
    keyword arguments given when raising: raise TicketNotFound(number="20261120-0001")."""

    status_code: ClassVar[int] = 500
    error_id: ClassVar[str] = "internal-error"
    message: str = N_("Internal error")

    def __init__(self, message: str | None = None, **params: object) -> None:
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(self.message)

    def translated(self) -> str:
        """The message in the request's language."""
        return _(self.message, **self.params) if self.params else _(self.message)


class DatabaseUnavailable(ConsoleError):
    status_code = 503
    error_id = "database-unavailable"
    message = N_("Database unavailable")


class Unauthenticated(ConsoleError):
    status_code = 401
    error_id = "unauthenticated"
    message = N_("Please log in")


class Forbidden(ConsoleError):
    status_code = 403
    error_id = "forbidden"
    message = N_("Your roles do not allow this")


class CsrfRefused(ConsoleError):
    status_code = 400
    error_id = "csrf-refused"
    message = N_("The form has expired or did not come from this console: reload the page and try again")


class TooManyAttempts(ConsoleError):
    status_code = 429
    error_id = "too-many-attempts"
    message = N_("Too many failed attempts: wait a few minutes and try again")


class RouteWithoutAccess(ConsoleError):
    error_id = "route-without-access"


# Messages of the HTTP errors werkzeug raises itself (no route, wrong method...)
HTTP_MESSAGES = {
    400: N_("Bad request"),
    404: N_("Page not found"),
    405: N_("Method not allowed"),
    413: N_("Request too large"),
}


def wants_json() -> bool:
    """Answer errors in JSON: API routes, or a client that asks for JSON rather than HTML."""
    if g.get("json_errors") or request.path.startswith(API_PREFIX):
        return True
    # On a tie (*/*, or no Accept header) the first, HTML, wins.
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def error_response(status: int, error_id: str, message: str) -> Response:
    """The one rendering of an error (`message` already translated)."""
    if wants_json():
        response = jsonify({"error_id": error_id, "message": message})
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="hotline"'
    else:
        html = render_template("error.html", status=status, error_id=error_id, message=message)
        response = current_app.make_response(html)
    response.status_code = status
    return response


def _kebab(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def init_app(app: Flask) -> None:
    @app.errorhandler(ConsoleError)
    def console_error(exc: ConsoleError) -> Response:
        return error_response(exc.status_code, exc.error_id, exc.translated())

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError) -> Response:
        # Raised by the driver (server down, refused, schema missing): one clear 503, details in the log.
        logger.error("console: database error: %s", exc.orig)
        return console_error(DatabaseUnavailable())

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Response:
        logger.info("console: %s %s refused: %s", request.method, request.path, exc.description)
        return console_error(CsrfRefused())

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        message = HTTP_MESSAGES.get(status)
        return error_response(status, _kebab(exc.name), _(message) if message else exc.name)
