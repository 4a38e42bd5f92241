"""Routes of the home blueprint: `/` and `/healthz`."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from webconsole import console
from webconsole.home import queries

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
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
def healthz() -> tuple[Response, int]:
    """200 when the database answers, else 503; for the supervisor and load balancers."""
    c = console()
    ok = queries.database_ok(lambda: c.database)
    body = {"status": "ok" if ok else "error", "database": "ok" if ok else "error"}
    return jsonify(body), 200 if ok else 503
