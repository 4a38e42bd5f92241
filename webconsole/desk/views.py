"""The agent desk: the agent's state (ready, paused with a reason, logged out: the real queue state),
and the screen-pop of the call ringing at the agent's phone, pushed with Server-Sent Events."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import selectinload

from hotline.acd.control import change_agent_state
from hotline.acd.states import PAUSE_REASONS, AgentStateError
from hotline.db.models import Agent, Call
from hotline.services.agents import AgentNotFound
from webconsole import Console, ConsoleError, console
from webconsole.auth import roles
from webconsole.desk import labels, queries
from webconsole.desk.broker import DeskBroker
from webconsole.i18n import N_, _

logger = logging.getLogger(__name__)

bp = Blueprint("desk", __name__, url_prefix="/desk")

DESK_ROLES = ("intake", "dispatcher", "visitor", "supervisor")
STATE_ACTIONS = {"ready": "unpause", "login": "login", "pause": "pause", "logout": "logout"}
POLL_S = 1.0  # a stream reads the database at least this often, woken or not
HEARTBEAT_S = 15.0
STREAM_LIFETIME_S = 600.0  # then the browser reconnects (EventSource) with Last-Event-ID
EXTENSION = "hotline_desk"


class NoSeat(ConsoleError):
    status_code = 409
    error_id = "no-seat"
    message = N_("This login has no seat: ask an admin to link it to an agent.")


def broker() -> DeskBroker:
    found = current_app.extensions[EXTENSION]
    assert isinstance(found, DeskBroker)
    return found


def init_app(app: Any) -> None:
    app.extensions[EXTENSION] = DeskBroker()
    app.register_blueprint(bp)


def _agent_id() -> int:
    agent_id = current_user.agent_id
    if agent_id is None:
        raise NoSeat()
    return int(agent_id)


@bp.get("/")
@roles(*DESK_ROLES)
def index() -> ResponseReturnValue:
    """The desk page: state buttons, and the pop area the stream fills."""
    agent = None
    if current_user.agent_id is not None:
        with console().database.session() as session:
            row = session.get(Agent, current_user.agent_id)
            if row is not None:
                agent = {"name": row.name, "state": row.state, "reason": row.pause_reason}
    return render_template(
        "desk/index.html",
        agent=agent,
        reasons=PAUSE_REASONS,
        state_labels=labels.agent_states(),
        reason_labels=labels.pause_reasons(),
        labels=labels.pop_labels(),
    )


@bp.post("/state")
@roles(*DESK_ROLES)
def state() -> ResponseReturnValue:
    """Go ready, pause (with a reason), log in or log out: recorded, then applied to the queues."""
    agent_id = _agent_id()
    action = STATE_ACTIONS.get(request.form.get("action", ""))
    reason = request.form.get("reason") or None
    if action is None or (action == "pause" and reason not in PAUSE_REASONS):
        flash(_("Unknown state change."))
        return redirect(url_for("desk.index"))
    c = console()
    try:
        change = change_agent_state(c.database, c.settings, agent_id, action, reason, "console")
    except (AgentNotFound, AgentStateError) as exc:
        flash(str(exc.args[0] if exc.args else exc))
        return redirect(url_for("desk.index"))
    if change.not_applied:
        logger.warning("desk: agent %s %s recorded, not applied: %s", agent_id, action, change.not_applied)
        flash(_("Recorded, but the telephone system was not reachable; it will be applied when it is."))
    return redirect(url_for("desk.index"))


@bp.get("/calls/<int:call_id>/pop")
@roles(*DESK_ROLES)
def pop(call_id: int) -> ResponseReturnValue:
    """The pop of a call as JSON (the desk page reloads it after a ticket or member is created)."""
    c = console()
    with c.database.session() as session:
        call = session.get(Call, call_id, options=[selectinload(Call.county)])
        if call is None:
            return {"error": "not-found", "message": _("No such call.")}, 404
        return queries.pop(session, call, c.timezone)


def _sse(event: str, data: dict[str, Any], event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def stream_events(c: Console, desk: DeskBroker, agent_id: int, last_id: int | None) -> Iterator[str]:
    """The stream of one browser: first a ring still ringing (a browser that connects mid-ring), or
    what it missed since Last-Event-ID; then every new desk event as it is stored."""
    yield "retry: 1000\n\n"
    seen = desk.mark(agent_id)
    if last_id is None:
        with c.database.session() as session:
            ringing = queries.still_ringing(session, agent_id)
            last_id = ringing.id if ringing is not None else queries.latest_event_id(session, agent_id)
            payload = None if ringing is None else queries.event_payload(session, ringing, c.timezone)
            first = None if ringing is None or payload is None else _sse("ring", payload, ringing.id)
        if first is not None:
            yield first
    started = beat = time.monotonic()
    while time.monotonic() - started < STREAM_LIFETIME_S:
        seen = desk.wait(agent_id, seen, POLL_S)
        with c.database.session() as session:
            for event in queries.events_after(session, agent_id, last_id):
                yield _sse(event.kind, queries.event_payload(session, event, c.timezone), event.id)
                last_id = event.id
                beat = time.monotonic()
        if time.monotonic() - beat > HEARTBEAT_S:
            yield ": keep-alive\n\n"  # also how a closed browser is noticed (the write fails)
            beat = time.monotonic()


@bp.get("/stream")
@roles(*DESK_ROLES)
def stream() -> ResponseReturnValue:
    """Server-Sent Events of the logged-in agent's phone: ring (with the pop), answer, end."""
    agent_id = _agent_id()
    header = request.headers.get("Last-Event-ID", "")
    last_id = int(header) if header.isdigit() else None
    body = stream_events(console(), broker(), agent_id, last_id)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return Response(body, mimetype="text/event-stream", headers=headers)
