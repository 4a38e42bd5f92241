"""Web orders waiting for an intake agent (网上订单): the agent calls the member back, then verifies
the order (the member is found or made, and a service ticket opened) or rejects it with a reason."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from hotline.db.console_models import User
from hotline.db.service_models import WebOrder
from hotline.tickets import (
    NotAllowed,
    NotFound,
    ValidationFailed,
    WebOrderClosed,
    reject_web_order,
    verify_web_order,
)
from hotline.tickets.labels import URGENCY_LABELS, pick
from hotline.tickets.timing import URGENCIES, now_utc
from webconsole import ConsoleError, console
from webconsole.auth import acting_user, audit_here, roles
from webconsole.errors import Forbidden
from webconsole.i18n import N_, _, current_language
from webconsole.members.fields import FormReader
from webconsole.merchants.display import category_options, county_options
from webconsole.merchants.views import county_id_of
from webconsole.paging import page_number, pager
from webconsole.weborders import queries
from webconsole.weborders.queries import order_reference

logger = logging.getLogger(__name__)

bp = Blueprint("weborders", __name__, url_prefix="/weborders")

ORDER_ROLES = ("intake", "supervisor")


class WebOrderNotFound(ConsoleError):
    """No web order has this id."""

    status_code = 404
    error_id = "web-order-not-found"
    message = N_("There is no web order %(reference)s")


class WebOrderNotPending(ConsoleError):
    """The order was verified or rejected meanwhile."""

    status_code = 409
    error_id = "web-order-not-pending"
    message = N_("Web order %(reference)s was already verified or rejected by somebody else")


def render_index(
    status: int = 200, order_id: int | None = None, form: FormReader | None = None, which: str = ""
) -> ResponseReturnValue:
    """The pending orders; after a refused form, its order shows the errors and what was typed."""
    c = console()
    county = request.args.get("county", "")
    page = page_number()
    with c.database.session() as session:
        county_id = county_id_of(session, county) if county else None
        rows, has_next = queries.pending_orders(
            session, c.timezone, now_utc(), county_id=county_id, page=page
        )
        categories, counties = category_options(session), county_options(session)
    html = render_template(
        "weborders/index.html",
        orders=rows,
        pager=pager(page, has_next),
        categories=categories,
        counties=counties,
        county=county if county_id else "",
        urgencies=[(u, pick(URGENCY_LABELS, u, current_language())) for u in URGENCIES],
        failed={
            "order": order_id,
            "form": which,
            "errors": form.errors if form else {},
            "typed": form.values if form else {},
        },
    )
    return html, status


@bp.get("/")
@roles(*ORDER_ROLES)
def index() -> ResponseReturnValue:
    """Pending web orders, oldest first (?county= filters by county code)."""
    return render_index()


def _actor(session: Session) -> User:
    user = session.get(User, acting_user().id)
    if user is None:
        raise Forbidden()
    return user


def _pending_order(session: Session, order_id: int) -> WebOrder:
    order = session.get(WebOrder, order_id)
    if order is None:
        raise WebOrderNotFound(reference=order_reference(order_id))
    if order.status != "pending":
        raise WebOrderNotPending(reference=order_reference(order_id))
    return order


def _correct(order: WebOrder, name: str | None, category: str | None, touched: bool) -> dict[str, Any]:
    """Apply the agent's corrections of the name and category; returns them as [before, after]."""
    changes: dict[str, Any] = {}
    if name and name != order.name:
        changes["name"] = [order.name, name]
        order.name = name
    if touched and (category or None) != order.category_code:
        changes["category_code"] = [order.category_code, category or None]
        order.category_code = category or None
    return changes


@bp.post("/<int:order_id>/verify")
@roles(*ORDER_ROLES)
def verify(order_id: int) -> ResponseReturnValue:
    """The member confirmed the order on the phone: open its service ticket and go to it."""
    form = FormReader(request.form)
    name = form.text("name", max_len=64)
    description = form.text("description", max_len=2000, min_len=5)
    urgency = form.keyword("urgency", URGENCIES, required=False) or "normal"
    try:
        with console().database.session() as session:
            codes = tuple(o.code for o in category_options(session))
            category = form.keyword("category", codes, required=False)
            if form.errors:
                raise ValidationFailed({})
            order = _pending_order(session, order_id)
            summary = description if description and description != order.description else None
            changes = _correct(order, name, category, "category" in request.form)
            session.flush()
            ticket = verify_web_order(session, order_id, _actor(session), summary=summary, urgency=urgency)
            detail = {"ticket": ticket.number, "corrected": changes | ({"summary": True} if summary else {})}
            audit_here(session, "web_order.verify", "web_order", order_id, detail)
            ticket_id, number = ticket.id, ticket.number
    except ValidationFailed as refused:
        for field in refused.errors:
            form.errors.setdefault(
                field if field in form.values else "description", _("This value is not accepted")
            )
        return render_index(422, order_id, form, "verify")
    except WebOrderClosed as closed:
        raise WebOrderNotPending(reference=order_reference(order_id)) from closed
    except NotAllowed as refused:
        raise Forbidden() from refused
    except NotFound as missing:
        raise WebOrderNotFound(reference=order_reference(order_id)) from missing
    logger.info("web order %s: verified into ticket %s", order_id, number)
    flash(
        _(
            "Web order %(reference)s verified: ticket %(number)s opened.",
            reference=order_reference(order_id),
            number=number,
        )
    )
    return redirect(f"/tickets/{ticket_id}", 303)


@bp.post("/<int:order_id>/reject")
@roles(*ORDER_ROLES)
def reject(order_id: int) -> ResponseReturnValue:
    """The order is not real, or not the center's business: rejected, with the reason."""
    form = FormReader(request.form)
    reason = form.text("reason", max_len=1000, required=True)
    if reason is None:
        return render_index(422, order_id, form, "reject")
    try:
        with console().database.session() as session:
            _pending_order(session, order_id)
            reject_web_order(session, order_id, _actor(session), reason, remote_addr=request.remote_addr)
    except WebOrderClosed as closed:
        raise WebOrderNotPending(reference=order_reference(order_id)) from closed
    except NotAllowed as refused:
        raise Forbidden() from refused
    except NotFound as missing:
        raise WebOrderNotFound(reference=order_reference(order_id)) from missing
    flash(_("Web order %(reference)s rejected.", reference=order_reference(order_id)))
    return redirect(url_for(".index"), 303)
