"""GET /recordings/<id> (inline, with Range support) and /recordings/<id>/download (an attachment).

The file comes from the Recording row and is served only when its real path (links followed) lies
inside the recordings directory; anything else is refused and audited. A play is audited once, on the
first request of the file (no Range, or a Range from byte 0), not on every chunk the player asks for.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, request, send_file
from sqlalchemy.orm import Session

from hotline.db.models import Call, Recording
from hotline.services.recordings import STATUS_EMPTY, STATUS_MISSING, file_status, resolve_inside
from webconsole import ConsoleError, console
from webconsole.auth import audit_here, roles
from webconsole.i18n import N_

logger = logging.getLogger(__name__)

bp = Blueprint("recordings", __name__, url_prefix="/recordings")

RECORDING_ROLES = ("intake", "dispatcher", "visitor", "supervisor")
PLAY, DOWNLOAD, REFUSED = "recording.play", "recording.download", "recording.refused"
MIMETYPES = {".wav": "audio/wav", ".wav49": "audio/wav", ".gsm": "audio/x-gsm", ".mp3": "audio/mpeg"}
PROBE_BYTES = 2
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class RecordingNotFound(ConsoleError):
    status_code = 404
    error_id = "recording-not-found"
    message = N_("There is no recording %(id)s")


class RecordingMissing(ConsoleError):
    status_code = 404
    error_id = "recording-missing"
    message = N_("The file of recording %(id)s is missing")


class RecordingEmpty(ConsoleError):
    status_code = 404
    error_id = "recording-empty"
    message = N_("Recording %(id)s is empty: nothing was recorded")


class RecordingRefused(ConsoleError):
    status_code = 403
    error_id = "recording-path-refused"
    message = N_("Recording %(id)s is not stored in the recordings directory: refused")

    def __init__(self, recording_id: int, detail: dict[str, object]) -> None:
        super().__init__(id=recording_id)
        self.detail = detail  # what the audit entry of the refusal says


@dataclass(frozen=True)
class Located:
    """A recording found on disk, inside the recordings directory."""

    path: Path
    recording_id: int
    call_id: int
    call_uid: str
    leg: str

    def audit_detail(self, via: str) -> dict[str, object]:
        return {"call_id": self.call_id, "call_uid": self.call_uid, "leg": self.leg, "via": via}

    @property
    def download_name(self) -> str:
        leg = _UNSAFE.sub("-", self.leg)
        return f"call-{self.call_id}-{leg}-recording-{self.recording_id}{self.path.suffix}"


def locate(session: Session, recording_id: int, recordings_dir: Path) -> Located:
    """The file of recording `recording_id`; raises the 404s, or RecordingRefused for a path outside the
    recordings directory (a crafted row, or a link leading out of it)."""
    row = session.get(Recording, recording_id)
    if row is None:
        raise RecordingNotFound(id=recording_id)
    call = session.get(Call, row.call_id)
    assert call is not None  # the foreign key
    path = resolve_inside(recordings_dir, row.path)
    if path is None:
        logger.warning("recording %s: path %r is outside %s; refused", recording_id, row.path, recordings_dir)
        raise RecordingRefused(recording_id, {"call_id": call.id, "path": row.path[:255]})
    if row.status == STATUS_EMPTY:
        raise RecordingEmpty(id=recording_id)
    found = file_status(path) if path.is_file() else STATUS_MISSING
    if row.status == STATUS_MISSING or found == STATUS_MISSING:
        logger.info("recording %s: file %s missing (flagged %s)", recording_id, path, row.status)
        raise RecordingMissing(id=recording_id)
    return Located(path, row.id, call.id, call.uid, row.leg)


def is_first_request() -> bool:
    """A play starts: a GET without Range, or with a Range from byte 0 (later chunks and seeks are not;
    nor is Safari's `bytes=0-1` probe, which it follows with a request from byte 0 for the whole file)."""
    if request.method != "GET":
        return False
    wanted = request.range
    if wanted is None or not wanted.ranges:
        return True
    start, stop = wanted.ranges[0]
    return start == 0 and (stop is None or stop > PROBE_BYTES)


def mimetype_of(path: Path) -> str:
    """audio/wav for a WAV file (some systems' tables say audio/x-wav), else the guess."""
    suffix = path.suffix.lower()
    return MIMETYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def serve_recording(recording_id: int, *, download: bool, via: str = "console") -> Response:
    """The recording's file (Range requests answered with 206), audited as a play or a download."""
    c = console()
    try:
        with c.database.session() as session:
            found = locate(session, recording_id, c.settings.recordings_dir)
            action = DOWNLOAD if download else PLAY if is_first_request() else None
            if action is not None:
                audit_here(session, action, "recording", recording_id, found.audit_detail(via))
    except RecordingRefused as refused:
        with c.database.session() as session:  # its own transaction: the one above was rolled back
            audit_here(session, REFUSED, "recording", recording_id, {**refused.detail, "via": via})
        raise
    try:
        response = send_file(
            found.path,
            mimetype=mimetype_of(found.path),
            as_attachment=download,
            download_name=found.download_name,
            conditional=True,
            etag=True,
        )
    except FileNotFoundError:  # purged between the look and the open
        raise RecordingMissing(id=recording_id) from None
    response.headers["Cache-Control"] = "private, no-store"  # a conversation stays out of shared caches
    return response


@bp.get("/<int:recording_id>")
@roles(*RECORDING_ROLES)
def play(recording_id: int) -> Response:
    """The recording inline, for the browser's <audio> player (seeking uses Range requests)."""
    return serve_recording(recording_id, download=False)


@bp.get("/<int:recording_id>/download")
@roles(*RECORDING_ROLES)
def download(recording_id: int) -> Response:
    """The recording as a file to save."""
    return serve_recording(recording_id, download=True)
