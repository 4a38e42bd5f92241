"""What every API route shares: the blueprint and its JSON errors, the request's JSON body, the page
arguments and next links, the acting user's row, and UTC ISO 8601 times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from hotline import users
from hotline.db.console_models import User
from hotline.tickets import TicketError, ValidationFailed
from webconsole import ConsoleError
from webconsole.auth import acting_user
from webconsole.errors import HTTP_MESSAGES, Unauthenticated
from webconsole.i18n import N_, _

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PER_PAGE = 25
MAX_PER_PAGE = 200
ALWAYS_ALLOWED_ARGS = frozenset({"page", "per_page", "lang"})


class BadBody(ConsoleError):
    status_code = 400
    error_id = "invalid-json"
    message = N_("The request body must be a JSON object (Content-Type: application/json)")


def error_body(
    status: int, error_id: str, message: str, details: Mapping[str, object] | None = None
) -> Response:
    """The one shape of an API error."""
    response = jsonify({**(details or {}), "error": error_id, "error_id": error_id, "message": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="hotline"'
    return response


@bp.errorhandler(TicketError)
def ticket_error(exc: TicketError) -> Response:
    """The ticket core's refusals, with their status code, error_id and details (field errors...)."""
    return error_body(exc.status_code, exc.error_id, exc.message, exc.details)


@bp.errorhandler(ConsoleError)
def console_error(exc: ConsoleError) -> Response:
    """The console's errors (no token, roles, database) in the API's shape."""
    return error_body(exc.status_code, exc.error_id, exc.translated())


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Response:
    """Werkzeug's own errors (wrong method...) in the API's shape."""
    status = exc.code or 500
    message = HTTP_MESSAGES.get(status)
    name = (exc.name or "error").lower().replace(" ", "-")
    return error_body(status, name, _(message) if message else exc.name)


def json_body() -> dict[str, Any]:
    """The request's JSON object, or BadBody."""
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise BadBody()
    return body


def checked_fields(body: Mapping[str, Any], types: Mapping[str, type], what: str) -> dict[str, Any]:
    """`body`'s fields (None ones left out) when each is of its type; ValidationFailed naming every
    wrong or unknown field otherwise."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, value in body.items():
        wanted = types.get(name)
        if wanted is None:
            errors[name] = f"is not a field of {what}"
        elif value is None:
            continue
        elif wanted is int and (not isinstance(value, int) or isinstance(value, bool)):
            errors[name] = "must be a whole number"
        elif wanted is str and not isinstance(value, str):
            errors[name] = "must be text"
        else:
            values[name] = value
    if errors:
        raise ValidationFailed(errors)
    return values


def check_args(allowed: frozenset[str]) -> None:
    """ValidationFailed for a query argument the route does not know (a typo filters nothing)."""
    unknown = sorted(set(request.args) - allowed - ALWAYS_ALLOWED_ARGS)
    if unknown:
        raise ValidationFailed({name: "is not a parameter of this endpoint" for name in unknown})


def page_args(default: int = PER_PAGE) -> tuple[int, int]:
    """(page, per_page) of the query; ValidationFailed when they are not whole numbers from 1."""
    errors: dict[str, str] = {}
    values = {"page": 1, "per_page": default}
    for name in values:
        raw = request.args.get(name, "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) < 1:
            errors[name] = "must be a whole number from 1"
        else:
            values[name] = int(raw)
    if errors:
        raise ValidationFailed(errors)
    return values["page"], min(values["per_page"], MAX_PER_PAGE)


def page_of(items: list[Any], page: int, per_page: int, has_next: bool) -> dict[str, Any]:
    """A list answer: the items and the link to the next page (the same query, page + 1)."""
    next_url = None
    if has_next:
        pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
        next_url = f"{request.path}?{urlencode([*pairs, ('page', str(page + 1))])}"
    return {"items": items, "page": page, "per_page": per_page, "has_next": has_next, "next": next_url}


def iso(value: datetime | None) -> str | None:
    """A stored time as UTC ISO 8601 (2026-11-20T02:00:00+00:00)."""
    return value.astimezone(UTC).isoformat() if value else None


def user_row(session: Session) -> User:
    """The token's user, as the ticket core's actor."""
    user = users.get_user(session, acting_user().id)
    if user is None or not user.active:
        raise Unauthenticated()
    return user


def actor_label(user: User) -> str:
    """How the timeline names a change made through the API."""
    return f"api:{user.username}"[:64]
