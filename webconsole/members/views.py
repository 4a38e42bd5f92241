"""The member pages (会员): search by phone or name, a member's record with their calls and tickets,
create (also from the desk's pop: phone, name and where to go back to) and edit. A member is one
normalised phone number: however it is written, the same number finds the same member."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from hotline.tickets import DuplicatePhone, NotFound, ValidationFailed, get_or_create_member, update_member
from webconsole import ConsoleError, console
from webconsole.auth import audit_here, roles
from webconsole.auth.views import safe_next
from webconsole.i18n import N_, _
from webconsole.members import queries
from webconsole.members.fields import FormReader
from webconsole.merchants.display import county_options
from webconsole.paging import page_number, pager

logger = logging.getLogger(__name__)

bp = Blueprint("members", __name__, url_prefix="/members")

MEMBER_ROLES = ("intake", "dispatcher", "visitor", "supervisor", "admin")
FIELD_NAMES = {"county_id": "county"}  # the core's field names that differ from the form's


class MemberNotFound(ConsoleError):
    """No member has this id."""

    status_code = 404
    error_id = "member-not-found"
    message = N_("There is no member %(member_id)s")


def _counties(session: Session) -> dict[str, int]:
    """A county is chosen by its id (the form's list) or its code (county=futian from elsewhere)."""
    options = county_options(session)
    return {str(o.id): o.id for o in options} | {o.code: o.id for o in options}


def _read(form: FormReader, session: Session, *, notes: bool) -> dict[str, Any]:
    """The member's fields from the posted form (errors in form.errors)."""
    values: dict[str, Any] = {
        "phone": form.phone("phone"),
        "name": form.text("name", max_len=64, required=True),
        "county_id": form.choice("county", _counties(session)),
        "address": form.text("address", max_len=255),
    }
    if notes:
        values["notes"] = form.text("notes", max_len=4000)
    return values


def _core_errors(form: FormReader, refused: ValidationFailed) -> None:
    for field in refused.errors:
        form.errors[FIELD_NAMES.get(field, field)] = _("This value is not accepted")


def _record(session: Session, member_id: int) -> queries.MemberRecord:
    """The member's record as its pages show it (MemberNotFound when there is none)."""
    try:
        return queries.member_record(session, member_id, console().timezone)
    except NotFound as missing:
        raise MemberNotFound(member_id=member_id) from missing


def _form_page(
    template: str, form: FormReader | None, status: int = 200, **context: Any
) -> ResponseReturnValue:
    with console().database.session() as session:
        counties = county_options(session)
    values = form.values if form else {}
    errors = form.errors if form else {}
    html = render_template(template, values=values, errors=errors, counties=counties, **context)
    return html, status


@bp.get("/")
@roles(*MEMBER_ROLES)
def index() -> ResponseReturnValue:
    """Members found by phone (any spelling) or name, newest first, a page at a time."""
    query = request.args.get("q", "").strip()[:64]
    page = page_number()
    c = console()
    with c.database.session() as session:
        rows, has_next = queries.search_members(session, query, c.timezone, page)
    return render_template("members/index.html", query=query, members=rows, pager=pager(page, has_next))


@bp.get("/new")
@roles(*MEMBER_ROLES)
def new() -> ResponseReturnValue:
    """The new-member form (phone, name and next may be given in the query)."""
    values = {name: request.args.get(name, "") for name in ("phone", "name", "next")}
    with console().database.session() as session:
        counties = county_options(session)
    return render_template("members/new.html", values=values, errors={}, counties=counties)


@bp.post("/")
@roles(*MEMBER_ROLES)
def create() -> ResponseReturnValue:
    """Create a member; a phone that is already a member's shows that member (never a second one)."""
    form = FormReader(request.form)
    after = safe_next(form.text("next", max_len=2000))
    with console().database.session() as session:
        values = _read(form, session, notes=False)
        if form.errors:
            return _form_page("members/new.html", form, 422)
        try:
            member, created = get_or_create_member(session, source="console", **values)
        except ValidationFailed as refused:
            _core_errors(form, refused)
            return _form_page("members/new.html", form, 422)
        member_id, name = member.id, member.name
        if created:
            audit_here(session, "member.create", "member", member_id, {"phone": member.phone})
    if created:
        logger.info("member %s: created in the console", member_id)
        flash(_("Member %(name)s created.", name=name))
        return redirect(after or url_for(".detail", member_id=member_id), 303)
    flash(_("This phone number already belongs to member %(name)s: no second member was made.", name=name))
    return redirect(url_for(".detail", member_id=member_id, next=after), 303)


@bp.get("/<int:member_id>")
@roles(*MEMBER_ROLES)
def detail(member_id: int) -> ResponseReturnValue:
    """A member's record, calls (with recordings) and tickets."""
    with console().database.session() as session:
        record = _record(session, member_id)
    back = safe_next(request.args.get("next"))
    return render_template("members/detail.html", record=record, back=back)


@bp.get("/<int:member_id>/edit")
@roles(*MEMBER_ROLES)
def edit(member_id: int) -> ResponseReturnValue:
    """The form to change a member's record."""
    with console().database.session() as session:
        record = _record(session, member_id)
        counties = county_options(session)
    m = record.member
    county = next((str(o.id) for o in counties if o.code == record.county_code), "")
    values = {"phone": m.phone, "name": m.name, "county": county, "address": m.address, "notes": record.notes}
    return render_template(
        "members/edit.html", member=m, values=values, errors={}, counties=counties, duplicate_id=None
    )


@bp.post("/<int:member_id>/edit")
@roles(*MEMBER_ROLES)
def update(member_id: int) -> ResponseReturnValue:
    """Save a member's record; another member's phone is refused with a link to that member."""
    form = FormReader(request.form)
    with console().database.session() as session:
        record = _record(session, member_id)
        values = _read(form, session, notes=True)
        duplicate_id = None
        if not form.errors:
            try:
                update_member(session, member_id, **values)
                audit_here(session, "member.update", "member", member_id, {"fields": sorted(values)})
            except DuplicatePhone as taken:
                form.errors["phone"] = _("Another member already has this phone number")
                duplicate_id = taken.details.get("member_id")
            except ValidationFailed as refused:
                _core_errors(form, refused)
    if form.errors:
        return _form_page("members/edit.html", form, 422, member=record.member, duplicate_id=duplicate_id)
    flash(_("Member %(name)s saved.", name=values["name"]))
    return redirect(url_for(".detail", member_id=member_id), 303)
