"""Routes of the home blueprint: `/` (to the user's landing page), `/overview` and `/healthz`."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from webconsole import console
from webconsole.auth import public, signed_in
from webconsole.auth.nav import landing_endpoint
from webconsole.home import queries

bp = Blueprint("home", __name__)


@bp.get("/")
@signed_in
def index() -> ResponseReturnValue:
    """The first section the user's roles open (the overview when none is there yet)."""
    return redirect(url_for(landing_endpoint(current_user.roles)))


@bp.get("/overview")
@signed_in
def overview() -> str:
    """The hotline numbers, whether Asterisk answers, the agents and the latest calls."""
    c = console()
    with c.database.session() as session:
        agents = queries.agents(session)
        calls = queries.recent_calls(session, c.timezone)
    return render_template(
        "home/index.html",
        numbers=c.settings.hotline_numbers,
        asterisk_up=queries.asterisk_reachable(c.settings),
        agents=agents,
        calls=calls,
        timezone=c.settings.timezone,
    )


@bp.get("/healthz")
@public
def healthz() -> tuple[Response, int]:
    """200 when the database answers, else 503; for the supervisor and load balancers."""
    c = console()
    ok = queries.database_ok(lambda: c.database)
    body = {"status": "ok" if ok else "error", "database": "ok" if ok else "error"}
    return jsonify(body), 200 if ok else 503
