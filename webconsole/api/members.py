"""GET /api/v1/members (by phone, or all newest first), GET /api/v1/members/<id> (with history) and
POST /api/v1/members (get-or-create by normalised phone: 201 created, 200 existing)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db.models import County, Member
from hotline.tickets import ValidationFailed, find_member, get_or_create_member, member_history
from webconsole import console
from webconsole.api import serialize
from webconsole.api.common import bp, check_args, checked_fields, json_body, page_args, page_of
from webconsole.auth import api_auth

MEMBER_ROLES = ("intake", "dispatcher", "visitor", "supervisor", "admin")  # as the member pages
MEMBER_FIELDS: dict[str, type] = {"phone": str, "name": str, "county_id": int, "county": str, "address": str}


def county_id_of(session: Session, values: dict[str, Any]) -> int | None:
    """The county of a body's `county_id` or `county` (a code); ValidationFailed for an unknown code."""
    code = values.pop("county", None)
    if code is None:
        return values.pop("county_id", None)
    if "county_id" in values:
        raise ValidationFailed({"county": "give county or county_id, not both"})
    county_id = session.scalar(select(County.id).where(County.code == code))
    if county_id is None:
        raise ValidationFailed({"county": f"there is no county {code}"})
    return county_id


@bp.get("/members")
@api_auth(*MEMBER_ROLES)
def members() -> dict[str, Any]:
    """The member with ?phone= (any spelling; 0 or 1 item), or every member, newest first."""
    check_args(frozenset({"phone"}))
    page, per_page = page_args()
    phone = request.args.get("phone", "").strip()
    with console().database.session() as session:
        if phone:
            member = find_member(session, phone)
            return page_of([] if member is None else [serialize.member_dict(member)], 1, per_page, False)
        stmt = select(Member).order_by(Member.id.desc()).limit(per_page + 1).offset((page - 1) * per_page)
        rows = list(session.scalars(stmt))
        items = [serialize.member_dict(m) for m in rows[:per_page]]
    return page_of(items, page, per_page, len(rows) > per_page)


@bp.get("/members/<int:member_id>")
@api_auth(*MEMBER_ROLES)
def member(member_id: int) -> dict[str, Any]:
    """A member with their latest tickets and calls, newest first."""
    with console().database.session() as session:
        history = member_history(session, member_id)
        return {
            **serialize.member_dict(history.member),
            "tickets": [serialize.ticket_summary(t) for t in history.tickets],
            "calls": [serialize.call_summary(c) for c in history.calls],
        }


@bp.post("/members")
@api_auth(*MEMBER_ROLES)
def create_member() -> ResponseReturnValue:
    """The member with this phone, created when there is none: 201 (created) or 200 (existing)."""
    values = checked_fields(json_body(), MEMBER_FIELDS, "a member")
    if "phone" not in values:
        raise ValidationFailed({"phone": "is required"})
    with console().database.session() as session:
        county_id = county_id_of(session, values)
        found, created = get_or_create_member(
            session,
            values["phone"],
            name=values.get("name"),
            county_id=county_id,
            address=values.get("address"),
            source="console",
        )
        body = serialize.member_dict(found)
    headers = {"Location": body["url"]}
    return body, 201 if created else 200, headers
