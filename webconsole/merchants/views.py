"""The merchant pages (签约商户): the list, best credit first, filtered by category, county and
contract status; one merchant's profile with its level (hearts, diamonds), staff certificates, credit
history and recent tickets. Area managers and admins also manage them (webconsole.merchants.editing)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import Session

from hotline.tickets import NotFound
from hotline.tickets.timing import now_utc
from webconsole import ConsoleError, console
from webconsole.auth import roles
from webconsole.i18n import N_
from webconsole.merchants import queries
from webconsole.merchants.display import (
    CONTRACT_STATUSES,
    category_options,
    contract_choices,
    county_options,
)
from webconsole.paging import page_number, pager

bp = Blueprint("merchants", __name__, url_prefix="/merchants")

VIEW_ROLES = ("dispatcher", "visitor", "supervisor", "area_manager", "admin")
MANAGE_ROLES = ("area_manager", "admin")


class MerchantNotFound(ConsoleError):
    """No merchant has this id."""

    status_code = 404
    error_id = "merchant-not-found"
    message = N_("There is no merchant %(merchant_id)s")


def county_id_of(session: Session, code: str) -> int | None:
    """The id of the county with this code (None when unknown)."""
    return next((o.id for o in county_options(session) if o.code == code), None)


@bp.get("/")
@roles(*VIEW_ROLES)
def index() -> ResponseReturnValue:
    """Merchants, highest credit first, filtered by ?category= (code), ?county= (code), ?status=."""
    category = request.args.get("category", "")
    county = request.args.get("county", "")
    status = request.args.get("status", "")
    page = page_number()
    with console().database.session() as session:
        categories = category_options(session)
        counties = county_options(session)
        known_category = category if any(o.code == category for o in categories) else ""
        county_id = county_id_of(session, county) if county else None
        rows, has_next = queries.merchant_list(
            session,
            category_code=known_category or None,
            county_id=county_id,
            status=status if status in CONTRACT_STATUSES else None,
            page=page,
        )
    return render_template(
        "merchants/index.html",
        merchants=rows,
        pager=pager(page, has_next),
        categories=categories,
        counties=counties,
        statuses=contract_choices(),
        chosen={"category": known_category, "county": county if county_id else "", "status": status},
        can_manage=current_user.has_role(*MANAGE_ROLES),
    )


def render_detail(merchant_id: int, status: int = 200, **forms: Any) -> ResponseReturnValue:
    """The merchant's page; `forms` carries the errors and values of a form posted from it."""
    c = console()
    with c.database.session() as session:
        try:
            detail = queries.merchant_detail(session, merchant_id, c.timezone, now_utc())
        except NotFound as missing:
            raise MerchantNotFound(merchant_id=merchant_id) from missing
    context: dict[str, Any] = {"errors": {}, "values": {}, "form": None} | forms
    html = render_template(
        "merchants/detail.html",
        m=detail,
        statuses=contract_choices(),
        can_manage=current_user.has_role(*MANAGE_ROLES),
        **context,
    )
    return html, status


@bp.get("/<int:merchant_id>")
@roles(*VIEW_ROLES)
def detail(merchant_id: int) -> ResponseReturnValue:
    """One merchant: level, categories, counties, staff, contract, credit history, recent tickets."""
    return render_detail(merchant_id)
