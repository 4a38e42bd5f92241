"""The sections of the navigation bar: a section shows when its blueprint is registered and the
user holds a role its entry route allows (the route's own @roles declaration: nothing to repeat)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_login import current_user

from webconsole.auth.access import access_of
from webconsole.i18n import N_, _

# (entry endpoint, label), in the order shown; the first one a user may open is its landing page
SECTIONS: tuple[tuple[str, str], ...] = (
    ("desk.index", N_("Desk")),
    ("calls.index", N_("Calls")),
    ("tickets.index", N_("Tickets")),
    ("dispatch.index", N_("Dispatch")),
    ("visits.index", N_("Return visits")),
    ("members.index", N_("Members")),
    ("merchants.index", N_("Merchants")),
    ("weborders.index", N_("Web orders")),
    ("admin.index", N_("Admin")),
)
FALLBACK = "home.overview"


def may_open(app: Flask, endpoint: str, user_roles: frozenset[str]) -> bool:
    """Is `endpoint` a registered page a user with `user_roles` may open?"""
    access = access_of(app, endpoint) if endpoint in app.view_functions else None
    if access is None or access.token:
        return False
    return access.public or not access.roles.isdisjoint(user_roles)


def sections(user_roles: frozenset[str]) -> list[tuple[str, str]]:
    """(endpoint, translated label) of the sections these roles may open."""
    app = current_app
    return [(endpoint, _(label)) for endpoint, label in SECTIONS if may_open(app, endpoint, user_roles)]


def landing_endpoint(user_roles: frozenset[str]) -> str:
    """Where a user lands after logging in: its first section, else the overview."""
    for endpoint, _label in SECTIONS:
        if may_open(current_app, endpoint, user_roles):
            return endpoint
    return FALLBACK


def _template_context() -> dict[str, Any]:
    return {"nav_sections": sections(current_user.roles) if current_user.is_authenticated else []}


def init_app(app: Flask) -> None:
    app.context_processor(_template_context)
