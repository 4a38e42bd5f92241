"""Recording retention: purge expired files and rows with an audit trail, flag kept files gone bad."""

from __future__ import annotations

import json
import logging
import os
import pwd
import stat
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hotline.db.base import utcnow
from hotline.db.models import Call, Recording
from hotline.services.recordings import STATUS_OK, file_status, resolve_inside
from hotline.settings import Settings

logger = logging.getLogger(__name__)

AUDIT_LOG = "recordings-purge.log"
ALREADY_MISSING = "file was already missing"


def _jsonable(item: PurgedRecording | RefusedRecording | FlaggedRecording) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(item).items()}


@dataclass(frozen=True)
class PurgedRecording:
    """A recording whose file and row are deleted (or would be, in a dry run)."""

    recording_id: int
    call_uid: str
    path: str
    size_bytes: int  # bytes freed: 0 when the file was already missing
    created_at: datetime
    note: str | None = None

    def describe(self, tz: str) -> str:
        """`recording <id> of call <uid>: <path> (<bytes> bytes, recorded <local date>)`."""
        day = self.created_at.astimezone(ZoneInfo(tz)).date().isoformat()
        text = f"recording {self.recording_id} of call {self.call_uid}: {self.path} "
        text += f"({self.size_bytes} bytes, recorded {day})"
        return f"{text}; {self.note}" if self.note else text


@dataclass(frozen=True)
class RefusedRecording:
    """An expired recording left alone, file and row, and why."""

    recording_id: int
    call_uid: str
    path: str
    reason: str


@dataclass
class PurgeReport:
    """What a purge deleted (or would delete) and what it refused to touch."""

    cutoff: datetime
    dry_run: bool
    purged: list[PurgedRecording] = field(default_factory=list)
    refused: list[RefusedRecording] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.purged)

    @property
    def bytes_freed(self) -> int:
        return sum(item.size_bytes for item in self.purged)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "count": self.count,
            "bytes_freed": self.bytes_freed,
            "purged": [_jsonable(item) for item in self.purged],
            "refused": [_jsonable(item) for item in self.refused],
        }


@dataclass(frozen=True)
class FlaggedRecording:
    """A recording recorded as ok whose file is now missing or empty."""

    recording_id: int
    call_uid: str
    path: str
    status: str
    created_at: datetime


@dataclass
class VerifyReport:
    """How many recordings were checked and which were flagged."""

    checked: int = 0
    flagged: list[FlaggedRecording] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"checked": self.checked, "flagged": [_jsonable(item) for item in self.flagged]}


def _with_call_uid() -> Select[Recording, str]:
    return (
        select(Recording, Call.uid)
        .join(Call, Recording.call_id == Call.id)
        .order_by(Recording.created_at, Recording.id)
    )


def _os_user() -> str:
    """The effective OS user (not $USER, which anyone can set), for the audit log."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _audit(settings: Settings, action: str, item: PurgedRecording | RefusedRecording, user: str) -> None:
    log = settings.log_dir / AUDIT_LOG
    log.parent.mkdir(parents=True, exist_ok=True)
    entry = {"at": utcnow().isoformat(), "by": user, "action": action, **_jsonable(item)}
    with log.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _remove_empty_folders(folder: Path, root: Path) -> None:
    """Remove the date folders (DD, then MM, then YYYY) the purge left empty; never the root."""
    for current in (folder, *folder.parents):
        if current == root or not current.is_relative_to(root):
            return
        try:
            current.rmdir()
        except FileNotFoundError:
            continue
        except OSError:  # not empty: neither are its parents
            return


class _Refused(Exception):
    """Why an expired recording is left alone, file and row."""


def _file_of(recordings_dir: Path, stored: str) -> tuple[Path, int | None]:
    """The real path of an expired recording's file and its size (None: already missing)."""
    real = resolve_inside(recordings_dir, stored)
    if real is None:
        raise _Refused(f"path is outside the recordings directory {recordings_dir}")
    try:
        st = real.stat()
    except (FileNotFoundError, NotADirectoryError):
        return real, None
    if not stat.S_ISREG(st.st_mode):
        raise _Refused("not a regular file")
    return real, st.st_size


def _delete_file(real: Path) -> None:
    try:
        real.unlink(missing_ok=True)
    except OSError as exc:
        raise _Refused(f"could not delete the file: {exc.strerror or exc}") from exc


def _purge_one(
    session: Session, settings: Settings, report: PurgeReport, rec: Recording, uid: str, user: str
) -> None:
    try:
        real, size = _file_of(settings.recordings_dir, rec.path)
        if size is not None and not report.dry_run:
            # The file goes first: should the commit fail, the next purge deletes the row as "already
            # missing"; the other order would leave a file no row knows of, kept for ever.
            _delete_file(real)
    except _Refused as exc:
        refused = RefusedRecording(rec.id, uid, rec.path, str(exc))
        logger.warning("recording %s of call %s: not purged: %s (%s)", rec.id, uid, rec.path, exc)
        report.refused.append(refused)
        if not report.dry_run:
            _audit(settings, "refused", refused, user)
        return
    item = PurgedRecording(
        rec.id, uid, rec.path, size or 0, rec.created_at, None if size is not None else ALREADY_MISSING
    )
    if not report.dry_run:
        session.delete(rec)
        _remove_empty_folders(real.parent, Path(os.path.realpath(settings.recordings_dir)))
        _audit(settings, "purged", item, user)
        logger.info("purged %s", item.describe(settings.timezone))
    report.purged.append(item)


def purge_recordings(
    session: Session,
    settings: Settings,
    *,
    now: datetime,
    older_than_days: int | None = None,
    dry_run: bool = False,
) -> PurgeReport:
    """Delete the files and rows of recordings older than the retention, and the date folders left empty."""
    days = settings.recording_retention_days if older_than_days is None else older_than_days
    if days < 1:
        raise ValueError(f"a purge keeps at least one day of recordings, not {days}")
    report = PurgeReport(cutoff=now - timedelta(days=days), dry_run=dry_run)
    user = _os_user()
    rows = session.execute(_with_call_uid().where(Recording.created_at < report.cutoff)).all()
    for rec, uid in rows:
        _purge_one(session, settings, report, rec, uid, user)
    session.flush()
    return report


def verify_recordings(session: Session, settings: Settings, *, since: datetime | None = None) -> VerifyReport:
    """Re-check the files of recordings recorded as ok; a missing or empty one gets that status."""
    stmt = _with_call_uid().where(Recording.status == STATUS_OK)
    if since is not None:
        stmt = stmt.where(Recording.created_at >= since)
    report = VerifyReport()
    for rec, uid in session.execute(stmt).all():
        report.checked += 1
        status = file_status(settings.recordings_dir / rec.path)  # an absolute path replaces the base
        if status == STATUS_OK:
            continue
        rec.status = status
        logger.warning("recording %s of call %s: %s is %s", rec.id, uid, rec.path, status)
        report.flagged.append(FlaggedRecording(rec.id, uid, rec.path, status, rec.created_at))
    session.flush()
    return report
