"""GET /calls/ (recent calls, filtered, a page at a time) and GET /calls/<id> (every fact of one call,
its recordings to play, the tickets opened from it and the link to open one)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from webconsole import ConsoleError, console
from webconsole.auth import roles
from webconsole.calls import present, queries
from webconsole.i18n import N_

bp = Blueprint("calls", __name__, url_prefix="/calls")

CALL_ROLES = ("intake", "dispatcher", "visitor", "supervisor")


class CallNotFound(ConsoleError):
    status_code = 404
    error_id = "call-not-found"
    message = N_("There is no call %(id)s")


def _page_url(flt: queries.CallFilter, page: int) -> str:
    return f"{request.path}?{urlencode({**flt.args(), 'page': page})}"


@bp.get("/")
@roles(*CALL_ROLES)
def index() -> ResponseReturnValue:
    """Recent calls, newest first, filtered by caller number, county, agent and day."""
    c = console()
    flt, errors = queries.parse_filter(request.args)
    page, per_page, page_errors = queries.page_args(request.args)
    with c.database.session() as session:
        found = queries.find_calls(session, flt, c.timezone, page=page, per_page=per_page)
        rows = [present.call_row(call, c.timezone) for call in found.items]
        counties, agents = queries.choices(session)
        county_options = [(county.code, present.county_name(county)) for county in counties]
        agent_options = [(agent.name, agent.display_name) for agent in agents]
    links: dict[str, Any] = {
        "previous": _page_url(flt, found.page - 1) if found.page > 1 else None,
        "next": _page_url(flt, found.page + 1) if found.has_next else None,
    }
    return render_template(
        "calls/index.html",
        calls=rows,
        filter=flt,
        errors=present.field_errors(errors | page_errors),
        counties=county_options,
        agents=agent_options,
        page=found.page,
        links=links,
        timezone=c.settings.timezone,
    )


@bp.get("/<int:call_id>")
@roles(*CALL_ROLES)
def detail(call_id: int) -> ResponseReturnValue:
    """Everything known of one call."""
    c = console()
    with c.database.session() as session:
        call = queries.load_call(session, call_id)
        if call is None:
            raise CallNotFound(id=call_id)
        facts = present.call_facts(session, call, c.timezone)
    return render_template("calls/detail.html", call=facts, timezone=c.settings.timezone)
