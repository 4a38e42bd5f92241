"""Managing merchants, for area managers and admins: add and edit a merchant (with the categories
and counties it serves), its contract status, its staff and their certificates, and manual credit
adjustments. Every change is audited."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from hotline.tickets import NotFound, ValidationFailed
from webconsole import console
from webconsole.auth import audit_here, roles
from webconsole.i18n import _
from webconsole.members.fields import FormReader
from webconsole.merchants import manage
from webconsole.merchants.display import CONTRACT_STATUSES, category_options, contract_label, county_options
from webconsole.merchants.views import MANAGE_ROLES, MerchantNotFound, bp, render_detail

CREDIT_LIMIT = 1000  # one manual adjustment moves at most this many points either way


def _options(session: Session) -> tuple[dict[str, int], dict[str, int]]:
    categories = {str(o.id): o.id for o in category_options(session)}
    counties = {str(o.id): o.id for o in county_options(session)}
    return categories, counties


def _read_merchant(form: FormReader, session: Session) -> manage.MerchantFields | None:
    categories, counties = _options(session)
    name = form.text("name", max_len=128, required=True)
    phone = form.phone("phone", member=False)
    fields = manage.MerchantFields(
        name=name or "",
        phone=phone or "",
        contact_name=form.text("contact_name", max_len=64),
        address=form.text("address", max_len=255),
        county_id=form.choice("county", counties),
        category_id=form.choice("category", categories),
        category_ids=form.choices("categories", categories),
        county_ids=form.choices("counties", counties),
    )
    return None if form.errors else fields


def _form_page(
    merchant: Any, form: FormReader | None, values: dict[str, Any], status: int
) -> ResponseReturnValue:
    with console().database.session() as session:
        categories, counties = category_options(session), county_options(session)
    html = render_template(
        "merchants/edit.html",
        merchant=merchant,
        values=form.values if form else values,
        errors=form.errors if form else {},
        categories=categories,
        counties=counties,
    )
    return html, status


def _save(merchant_id: int | None) -> ResponseReturnValue:
    form = FormReader(request.form)
    fields, saved_id = None, None
    try:
        with console().database.session() as session:
            fields = _read_merchant(form, session)
            if fields is not None:
                saved_id = manage.save_merchant(session, merchant_id, fields).id
                audit_here(session, "merchant.save", "merchant", saved_id, {"name": fields.name})
    except ValidationFailed:  # the only thing save_merchant refuses: a name another merchant has
        form.errors["name"] = _("Another merchant has this name")
    except NotFound as missing:
        raise MerchantNotFound(merchant_id=merchant_id) from missing
    if fields is None or saved_id is None:
        return _form_page({"id": merchant_id} if merchant_id else None, form, {}, 422)
    flash(_("Merchant %(name)s saved.", name=fields.name))
    return redirect(url_for(".detail", merchant_id=saved_id), 303)


@bp.get("/new")
@roles(*MANAGE_ROLES)
def new() -> ResponseReturnValue:
    """The form of a new merchant."""
    return _form_page(None, None, {}, 200)


@bp.post("/")
@roles(*MANAGE_ROLES)
def create() -> ResponseReturnValue:
    """Add a merchant (contract active, no credit points yet)."""
    return _save(None)


@bp.get("/<int:merchant_id>/edit")
@roles(*MANAGE_ROLES)
def edit(merchant_id: int) -> ResponseReturnValue:
    """The form to change a merchant and what it serves."""
    c = console()
    with c.database.session() as session:
        try:
            merchant = manage.get_merchant(session, merchant_id)
        except NotFound as missing:
            raise MerchantNotFound(merchant_id=merchant_id) from missing
        values = {
            "name": merchant.name,
            "phone": merchant.phone,
            "contact_name": merchant.contact_name or "",
            "address": merchant.address or "",
            "county": str(merchant.county_id or ""),
            "category": str(merchant.category_id or ""),
            "categories": ",".join(str(c.id) for c in merchant.categories),
            "counties": ",".join(str(c.id) for c in merchant.counties),
        }
    return _form_page({"id": merchant_id}, None, values, 200)


@bp.post("/<int:merchant_id>/edit")
@roles(*MANAGE_ROLES)
def update(merchant_id: int) -> ResponseReturnValue:
    """Save a merchant's record, categories and counties."""
    return _save(merchant_id)


@bp.post("/<int:merchant_id>/contract")
@roles(*MANAGE_ROLES)
def contract(merchant_id: int) -> ResponseReturnValue:
    """Change the contract status (suspending or ending it takes the merchant out of dispatch)."""
    form = FormReader(request.form)
    status = form.keyword("status", CONTRACT_STATUSES)
    reason = form.text("reason", max_len=1000)
    if status is None:
        return render_detail(merchant_id, 422, form="contract", errors=form.errors, values=form.values)
    try:
        with console().database.session() as session:
            before = manage.set_contract(session, merchant_id, status)
            detail = {"from": before, "to": status, "reason": reason}
            audit_here(session, "merchant.contract", "merchant", merchant_id, detail)
    except NotFound as missing:
        raise MerchantNotFound(merchant_id=merchant_id) from missing
    flash(_("Contract status is now: %(status)s", status=contract_label(status)))
    return redirect(url_for(".detail", merchant_id=merchant_id), 303)


def _read_staff(form: FormReader) -> dict[str, Any]:
    return {
        "name": form.text("name", max_len=64, required=True),
        "certificate": form.text("certificate", max_len=64),
        "certificate_no": form.text("certificate_no", max_len=64),
        "valid_until": form.day("valid_until"),
    }


@bp.post("/<int:merchant_id>/staff")
@roles(*MANAGE_ROLES)
def add_staff(merchant_id: int) -> ResponseReturnValue:
    """Add a staff member with their certificate."""
    form = FormReader(request.form)
    values = _read_staff(form)
    if form.errors:
        return render_detail(merchant_id, 422, form="staff", errors=form.errors, values=form.values)
    try:
        with console().database.session() as session:
            person = manage.save_staff(session, merchant_id, None, **values)
            audit_here(session, "merchant.staff.add", "merchant", merchant_id, {"staff": person.id})
    except NotFound as missing:
        raise MerchantNotFound(merchant_id=merchant_id) from missing
    flash(_("%(name)s added to the staff.", name=values["name"]))
    return redirect(url_for(".detail", merchant_id=merchant_id) + "#staff", 303)


def _staff_page(merchant_id: int, staff_id: int, form: FormReader | None, status: int) -> ResponseReturnValue:
    try:
        with console().database.session() as session:
            name = manage.get_merchant(session, merchant_id).name
            person = manage.get_staff(session, merchant_id, staff_id)
            stored = {
                "name": person.name,
                "certificate": person.certificate or "",
                "certificate_no": person.certificate_no or "",
                "valid_until": person.valid_until.isoformat() if person.valid_until else "",
            }
    except NotFound as missing:
        raise MerchantNotFound(merchant_id=merchant_id) from missing
    html = render_template(
        "merchants/staff.html",
        merchant_id=merchant_id,
        merchant_name=name,
        staff_id=staff_id,
        values=form.values if form else stored,
        errors=form.errors if form else {},
    )
    return html, status


@bp.get("/<int:merchant_id>/staff/<int:staff_id>/edit")
@roles(*MANAGE_ROLES)
def edit_staff(merchant_id: int, staff_id: int) -> ResponseReturnValue:
    """The form to change a staff member or their certificate."""
    return _staff_page(merchant_id, staff_id, None, 200)


@bp.post("/<int:merchant_id>/staff/<int:staff_id>/edit")
@roles(*MANAGE_ROLES)
def update_staff(merchant_id: int, staff_id: int) -> ResponseReturnValue:
    """Save a staff member (a renewed certificate: a new validity date)."""
    form = FormReader(request.form)
    values = _read_staff(form)
    if form.errors:
        return _staff_page(merchant_id, staff_id, form, 422)
    try:
        with console().database.session() as session:
            manage.save_staff(session, merchant_id, staff_id, **values)
            audit_here(session, "merchant.staff.update", "merchant", merchant_id, {"staff": staff_id})
    except NotFound as missing:
        raise MerchantNotFound(merchant_id=merchant_id) from missing
    flash(_("%(name)s saved.", name=values["name"]))
    return redirect(url_for(".detail", merchant_id=merchant_id) + "#staff", 303)


@bp.post("/<int:merchant_id>/staff/<int:staff_id>/delete")
@roles(*MANAGE_ROLES)
def remove_staff(merchant_id: int, staff_id: int) -> ResponseReturnValue:
    """Take a staff member off the merchant's list."""
    try:
        with console().database.session() as session:
            name = manage.remove_staff(session, merchant_id, staff_id)
            audit_here(session, "merchant.staff.remove", "merchant", merchant_id, {"staff": staff_id})
    except NotFound as missing:
        raise MerchantNotFound(merchant_id=merchant_id) from missing
    flash(_("%(name)s removed from the staff.", name=name))
    return redirect(url_for(".detail", merchant_id=merchant_id) + "#staff", 303)


@bp.post("/<int:merchant_id>/credit")
@roles(*MANAGE_ROLES)
def adjust_credit(merchant_id: int) -> ResponseReturnValue:
    """Add or take away credit points by hand, with the reason (kept in the credit history)."""
    form = FormReader(request.form)
    points = form.integer("points", lo=-CREDIT_LIMIT, hi=CREDIT_LIMIT)
    note = form.text("note", max_len=1000, required=True)
    if points == 0:
        form.errors["points"] = _("Zero changes nothing: give the points to add or take away")
    if form.errors or points is None or note is None:
        return render_detail(merchant_id, 422, form="credit", errors=form.errors, values=form.values)
    try:
        with console().database.session() as session:
            manage.adjust_credit(session, merchant_id, points, note)
            audit_here(session, "merchant.credit", "merchant", merchant_id, {"points": points, "note": note})
    except NotFound as missing:
        raise MerchantNotFound(merchant_id=merchant_id) from missing
    signed = f"{points:+d}"
    flash(_("Credit adjusted by %(points)s points.", points=signed))
    return redirect(url_for(".detail", merchant_id=merchant_id) + "#credit", 303)
