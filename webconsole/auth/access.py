"""Who may call a route, declared on its view function and checked for every request by the guard.

Each view carries one declaration (the decorators only annotate and return the same function, so
their order with @bp.get/@bp.route does not matter):

    @public                      anyone, logged in or not (login page, /healthz)
    @roles("dispatcher", ...)    a logged-in user holding at least one of these roles
    @signed_in                   any logged-in user (same as @roles(*ROLES))
    @api_auth("dispatcher", ...) the JSON API: `Authorization: Bearer <token>` of a user holding one
                                 of these roles; cookie sessions are refused, so no CSRF token

create_app refuses to start when a route declares nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask

from hotline.db.console_models import ROLES

F = TypeVar("F", bound=Callable[..., Any])

ALL_ROLES = frozenset(ROLES)


@dataclass(frozen=True)
class Access:
    """A route's declaration: public, or the roles allowed (by session, or by bearer token)."""

    public: bool
    roles: frozenset[str]
    token: bool = False


PUBLIC = Access(public=True, roles=frozenset())


def _declare(view: F, access: Access) -> F:
    before = getattr(view, "access", None)
    if before is not None and before != access:
        raise TypeError(f"{view.__qualname__}: declared twice ({before} and {access})")
    view.access = access  # type: ignore[attr-defined]
    view.public = access.public  # type: ignore[attr-defined]
    view.allowed_roles = access.roles  # type: ignore[attr-defined]
    view.token_auth = access.token  # type: ignore[attr-defined]
    return view


def _checked(names: tuple[str, ...]) -> frozenset[str]:
    if not names:
        raise TypeError("name at least one role; @signed_in allows every logged-in user")
    unknown = sorted(set(names) - ALL_ROLES)
    if unknown:
        raise ValueError(f"unknown role {', '.join(unknown)}; roles are {', '.join(ROLES)}")
    return frozenset(names)


def public(view: F) -> F:
    """Anyone may call this route, logged in or not (CSRF is still checked on POST)."""
    return _declare(view, PUBLIC)


def roles(*names: str) -> Callable[[F], F]:
    """Only a logged-in user holding at least one of `names` may call this route."""
    allowed = _checked(names)

    def declare(view: F) -> F:
        return _declare(view, Access(public=False, roles=allowed))

    return declare


def signed_in(view: F) -> F:
    """Any logged-in user may call this route (own password, logout, the overview)."""
    return _declare(view, Access(public=False, roles=ALL_ROLES))


def api_auth(*names: str) -> Callable[[F], F]:
    """A JSON API route: a bearer token of a user holding one of `names`; no cookie session, no CSRF.
    The view finds its user with webconsole.auth.acting_user()."""
    allowed = _checked(names)

    def declare(view: F) -> F:
        return _declare(view, Access(public=False, roles=allowed, token=True))

    return declare


token_required = api_auth


def is_static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def access_of(app: Flask, endpoint: str) -> Access | None:
    """The declaration of `endpoint` (static files are public), None when it declares nothing."""
    if is_static(endpoint):
        return PUBLIC
    view = app.view_functions.get(endpoint)
    for holder in (view, getattr(view, "view_class", None)):  # a class-based view may declare on its class
        access = getattr(holder, "access", None)
        if isinstance(access, Access):
            return access
    return None


def check_routes(app: Flask) -> None:
    """Refuse an app with a route that does not declare who may call it."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(e for e in endpoints if access_of(app, e) is None)
    if missing:
        raise RuntimeError(
            "routes without an access declaration (@public, @roles, @signed_in or @api_auth from "
            f"webconsole.auth): {', '.join(missing)}"
        )
