"""The return-visit agent's page: the visits due (and, on request, soon due), earliest first, overdue
ones highlighted; each opens its ticket, where the outcome is recorded."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from hotline.tickets import visit_counts, visit_worklist
from hotline.tickets.labels import VISIT_KIND_LABELS
from webconsole import console
from webconsole.auth import roles
from webconsole.paging import number_arg, page_number
from webconsole.tickets.present import current_labels, template_helpers
from webconsole.tickets.queries import county_choices

bp = Blueprint("visits", __name__, url_prefix="/visits")
bp.context_processor(template_helpers)

PER_PAGE = 100
AHEAD_MINUTES = (0, 60, 240, 1440)  # also list the visits falling due within this many minutes


@bp.get("/")
@roles("visitor", "supervisor")
def index() -> ResponseReturnValue:
    """The work list of return visits, of one county or kind if asked."""
    county_id = number_arg("county")
    kind = request.args.get("kind") or None
    kind = kind if kind in VISIT_KIND_LABELS else None
    ahead = number_arg("ahead") or 0
    ahead = ahead if ahead in AHEAD_MINUTES else 0
    page = page_number()
    with console().database.session() as s:
        items = visit_worklist(
            s,
            county_id=county_id,
            kind=kind,
            ahead=timedelta(minutes=ahead),
            limit=PER_PAGE + 1,
            offset=(page - 1) * PER_PAGE,
        )
        due, overdue = visit_counts(s, county_id=county_id)
        return render_template(
            "visits/index.html",
            items=items[:PER_PAGE],
            has_next=len(items) > PER_PAGE,
            page=page,
            due=due,
            overdue=overdue,
            county=request.args.get("county", ""),
            kind=kind or "",
            ahead=ahead,
            kinds=list(VISIT_KIND_LABELS),
            aheads=AHEAD_MINUTES,
            counties=county_choices(s, current_labels()),
        )
