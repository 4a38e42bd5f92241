"""GET /api/v1/calls, /api/v1/calls/<id> and /api/v1/recordings/<id> (the audio, audited)."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from hotline.tickets import NotFound, ValidationFailed
from webconsole import console
from webconsole.api import serialize
from webconsole.api.common import bp, check_args, page_args, page_of
from webconsole.auth import api_auth
from webconsole.calls import CALL_ROLES, queries
from webconsole.recordings import RECORDING_ROLES, serve_recording


@bp.get("/calls")
@api_auth(*CALL_ROLES)
def calls() -> dict[str, Any]:
    """Calls newest first; filters caller, county (code), agent (name), date_from, date_to (local days)."""
    check_args(frozenset(queries.FILTERS))
    flt, errors = queries.parse_filter(request.args)
    if errors:
        raise ValidationFailed(errors)
    page, per_page = page_args()
    c = console()
    with c.database.session() as session:
        found = queries.find_calls(session, flt, c.timezone, page=page, per_page=per_page)
        items = [serialize.call_summary(call) for call in found.items]
    return page_of(items, found.page, found.per_page, found.has_next)


@bp.get("/calls/<int:call_id>")
@api_auth(*CALL_ROLES)
def call(call_id: int) -> dict[str, Any]:
    """One call with every fact, its recordings and the tickets opened from it."""
    with console().database.session() as session:
        found = queries.load_call(session, call_id)
        if found is None:
            raise NotFound("call", call_id)
        return serialize.call_detail(found, queries.tickets_of(session, call_id))


@bp.get("/recordings/<int:recording_id>")
@api_auth(*RECORDING_ROLES)
def recording(recording_id: int) -> Response:
    """A recording's audio file (Range requests honoured), audited as a download."""
    return serve_recording(recording_id, download=True, via="api")
