"""The public pages (no login): the merchant ranking (行业信用: active merchants, best credit first,
levels as hearts and diamonds) and the web order form. An order waits, pending, until an intake agent
calls the citizen back; a client address may send only a few orders in a while."""

from __future__ import annotations

import logging
import math

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from hotline.tickets import ValidationFailed, create_web_order, merchant_ranking
from webconsole import console
from webconsole.auth import public
from webconsole.auth.limiter import AttemptLimiter
from webconsole.i18n import _
from webconsole.members.fields import FormReader
from webconsole.merchants.display import category_options, county_options, level_view, local_name
from webconsole.paging import page_number, pager
from webconsole.weborders.queries import order_reference

logger = logging.getLogger(__name__)

bp = Blueprint("public", __name__, url_prefix="/public")

LIMITER = "hotline.public_order_limiter"
SESSION_REF = "hotline_web_order_ref"
PER_PAGE = 20
FIELD_NAMES = {"county_id": "county", "category_code": "category"}


def limiter() -> AttemptLimiter:
    """The app's limiter of orders per client address."""
    found = current_app.extensions[LIMITER]
    assert isinstance(found, AttemptLimiter)
    return found


def _client() -> tuple[str, str]:
    return ("web-order", request.remote_addr or "")


@bp.get("/")
@public
def index() -> ResponseReturnValue:
    """The public landing page: the merchant ranking and the order form."""
    return render_template("public/index.html", numbers=console().settings.hotline_numbers)


@bp.get("/merchants")
@public
def merchants() -> ResponseReturnValue:
    """Active merchants, best credit first; ?category= and ?county= (codes) narrow it."""
    category = request.args.get("category", "")
    county = request.args.get("county", "")
    page = page_number()
    with console().database.session() as db:
        categories, counties = category_options(db), county_options(db)
        category_code = category if any(o.code == category for o in categories) else None
        county_id = next((o.id for o in counties if o.code == county), None)
        ranked = merchant_ranking(
            db,
            category_code=category_code,
            county_id=county_id,
            limit=PER_PAGE + 1,
            offset=(page - 1) * PER_PAGE,
        )
        rows = [
            {
                "rank": r.rank,
                "name": r.merchant.name,
                "level": level_view(r.merchant.credit_points),
                "categories": [local_name(c) for c in r.merchant.categories],
                "counties": [local_name(c) for c in r.merchant.counties],
            }
            for r in ranked[:PER_PAGE]
        ]
    chosen = {"category": category_code or "", "county": county if county_id else ""}
    return render_template(
        "public/merchants.html",
        merchants=rows,
        pager=pager(page, len(ranked) > PER_PAGE),
        categories=categories,
        counties=counties,
        chosen=chosen,
    )


def _order_page(db: Session, form: FormReader | None, status: int = 200) -> ResponseReturnValue:
    html = render_template(
        "public/order.html",
        values=form.values if form else {},
        errors=form.errors if form else {},
        categories=category_options(db),
        counties=county_options(db),
    )
    return html, status


def _too_many(wait_s: float) -> ResponseReturnValue:
    minutes = max(1, math.ceil(wait_s / 60))
    html = render_template(
        "public/too_many.html", minutes=minutes, numbers=console().settings.hotline_numbers
    )
    return html, 429, {"Retry-After": str(math.ceil(wait_s))}


@bp.route("/order", methods=["GET", "POST"])
@public
def order() -> ResponseReturnValue:
    """The web order form; a valid order is stored pending and the citizen thanked with its reference."""
    if request.method == "POST":
        wait_s = limiter().retry_after(_client())
        if wait_s > 0:
            logger.warning("web order from %s refused: too many orders", request.remote_addr)
            return _too_many(wait_s)
    with console().database.session() as db:
        if request.method == "GET":
            return _order_page(db, None)
        form = FormReader(request.form)
        counties = {o.code: o.id for o in county_options(db)}
        name = form.text("name", max_len=64, required=True)
        phone = form.phone("phone")
        county_id = form.choice("county", counties, required=True)
        category = form.keyword("category", tuple(o.code for o in category_options(db)), required=False)
        address = form.text("address", max_len=255)
        description = form.text("description", max_len=2000, required=True, min_len=5)
        if form.errors or name is None or phone is None or description is None:
            return _order_page(db, form, 422)
        try:
            created = create_web_order(
                db,
                name=name,
                phone=phone,
                description=description,
                county_id=county_id,
                category_code=category,
                address=address,
                remote_addr=request.remote_addr,
            )
        except ValidationFailed as refused:
            for field in refused.errors:
                form.errors[FIELD_NAMES.get(field, field)] = _("This value is not accepted")
            return _order_page(db, form, 422)
        reference = order_reference(created.id)
    limiter().failed(_client())  # counts this order against the address
    session[SESSION_REF] = reference
    logger.info("web order %s: received from %s", reference, request.remote_addr)
    return redirect(url_for(".thanks"), 303)


@bp.get("/order/thanks")
@public
def thanks() -> ResponseReturnValue:
    """The order's reference and what happens next; without an order just made, the form."""
    reference = session.get(SESSION_REF)
    if not isinstance(reference, str):
        return redirect(url_for(".order"))
    return render_template(
        "public/thanks.html", reference=reference, numbers=console().settings.hotline_numbers
    )
