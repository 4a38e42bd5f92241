"""The dispatcher's page: the tickets waiting for dispatch, a merchant's answer, a complaint measure or
a suggestion's way to the managers; each opens the ticket, where the action is taken."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from hotline.tickets import workflow
from webconsole import console
from webconsole.auth import roles
from webconsole.dispatch import queries
from webconsole.paging import number_arg, page_number
from webconsole.tickets.present import current_labels, template_helpers
from webconsole.tickets.queries import county_choices

bp = Blueprint("dispatch", __name__, url_prefix="/dispatch")
bp.context_processor(template_helpers)

PER_PAGE = 100


@bp.get("/")
@roles("dispatcher", "supervisor")
def index() -> ResponseReturnValue:
    """The work list, most urgent and earliest due first, overdue ones highlighted."""
    county_id = number_arg("county")
    kind = request.args.get("type") or None
    kind = kind if kind in queries.WORK else None
    page = page_number()
    with console().database.session() as s:
        items = queries.work_list(
            s, county_id=county_id, kind=kind, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE
        )
        waiting, overdue = queries.work_counts(s, county_id=county_id, kind=kind)
        return render_template(
            "dispatch/index.html",
            items=items[:PER_PAGE],
            has_next=len(items) > PER_PAGE,
            page=page,
            waiting=waiting,
            overdue=overdue,
            county=request.args.get("county", ""),
            kind=kind or "",
            types=[t for t in workflow.TYPES if t in queries.WORK],
            counties=county_choices(s, current_labels()),
        )
