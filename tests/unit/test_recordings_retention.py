"""Recording retention: `purge_recordings`, `verify_recordings` and `hotline recordings purge|verify`."""

from __future__ import annotations

import json
import logging
import os
import pwd
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from hotline.db.models import Call, Recording
from hotline.db.session import Database
from hotline.services.recordings import (
    STATUS_EMPTY,
    STATUS_INCOMPLETE,
    STATUS_MISSING,
    STATUS_OK,
    relative_path,
)
from hotline.services.retention import (
    ALREADY_MISSING,
    AUDIT_LOG,
    PurgeReport,
    purge_recordings,
    verify_recordings,
)
from hotline.settings import Settings, get_settings
from tests.unit.clitools import cli_env, hotline

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
AUDIO = 3000  # bytes of audio after the WAV header


@pytest.fixture
def env(database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = cli_env(database, tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("HOTLINE_RECORDING_RETENTION_DAYS", raising=False)
    return env


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return get_settings()


def _wav(path: Path, audio_bytes: int) -> None:
    """A closed WAV file of `audio_bytes` bytes of silence (0: the bare 44-byte header)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0" * audio_bytes)


def _add(
    database: Database,
    settings: Settings,
    uid: str,
    age_days: float,
    *,
    now: datetime = NOW,
    path: str | None = None,
    audio: int | None = AUDIO,
    status: str = STATUS_OK,
) -> int:
    """A call with one recording made `age_days` before `now`; its file (unless audio is None) where
    MixMonitor puts it, and the row's path absolute, as agi stores it."""
    created = now - timedelta(days=age_days)
    if path is None:
        file = settings.recordings_dir / relative_path(uid, created)
        if audio is not None:
            _wav(file, audio)
        path = str(file)
    with database.session() as session:
        call = Call(
            uid=uid, caller_number="13800138000", dialed_number="10109366", via="ari", entered_at=created
        )
        session.add(call)
        session.flush()
        rec = Recording(call_id=call.id, path=path, status=status, size_bytes=audio, created_at=created)
        session.add(rec)
        session.flush()
        return rec.id


def _purge(
    database: Database, settings: Settings, *, older_than_days: int | None = None, dry_run: bool = False
) -> PurgeReport:
    with database.session() as session:
        return purge_recordings(session, settings, now=NOW, older_than_days=older_than_days, dry_run=dry_run)


def _rows(database: Database) -> dict[int, str]:
    with database.session() as session:
        return {rec.id: rec.status for rec in session.scalars(select(Recording))}


def _audit(settings: Settings) -> list[dict[str, object]]:
    log = settings.log_dir / AUDIT_LOG
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_expired_recordings_lose_file_row_and_empty_date_folders_and_fresh_ones_stay(
    database: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    old = _add(database, settings, "c0ffee01", 200)
    fresh = _add(database, settings, "c0ffee02", 10)
    old_file = settings.recordings_dir / relative_path("c0ffee01", NOW - timedelta(days=200))
    fresh_file = settings.recordings_dir / relative_path("c0ffee02", NOW - timedelta(days=10))
    size = old_file.stat().st_size
    caplog.set_level(logging.INFO, logger="hotline.services.retention")

    report = _purge(database, settings)

    assert [(p.recording_id, p.call_uid, p.path, p.size_bytes) for p in report.purged] == [
        (old, "c0ffee01", str(old_file), size)
    ]
    assert (report.count, report.bytes_freed, report.refused) == (1, size, [])
    assert report.cutoff == NOW - timedelta(days=180)
    assert not old_file.exists()
    assert not (settings.recordings_dir / "2025").exists()  # day, month and year folders were emptied
    assert settings.recordings_dir.is_dir()
    assert fresh_file.exists()
    assert _rows(database) == {fresh: STATUS_OK}
    assert f"purged recording {old} of call c0ffee01: {old_file} ({size} bytes, recorded 2025-11-13)" in (
        caplog.text
    )


def test_a_date_folder_that_still_holds_files_is_kept(database: Database, settings: Settings) -> None:
    _add(database, settings, "c0ffee01", 200)
    day = (settings.recordings_dir / relative_path("c0ffee01", NOW - timedelta(days=200))).parent
    (day / "unknown.wav").write_bytes(b"kept")
    _purge(database, settings)
    assert [f.name for f in day.iterdir()] == ["unknown.wav"]


def test_older_than_overrides_the_retention_setting(database: Database, settings: Settings) -> None:
    _add(database, settings, "c0ffee01", 10)
    _add(database, settings, "c0ffee02", 3)
    report = _purge(database, settings, older_than_days=5)
    assert [p.call_uid for p in report.purged] == ["c0ffee01"]
    with pytest.raises(ValueError, match="at least one day"):
        _purge(database, settings, older_than_days=0)
    assert len(_rows(database)) == 1


def test_a_row_whose_file_is_already_missing_is_deleted_and_says_so(
    database: Database, settings: Settings
) -> None:
    rec = _add(database, settings, "c0ffee01", 200, audio=None)
    report = _purge(database, settings)
    [item] = report.purged
    assert (item.recording_id, item.size_bytes, item.note) == (rec, 0, ALREADY_MISSING)
    assert _rows(database) == {}
    [line] = _audit(settings)
    assert line["note"] == ALREADY_MISSING and line["action"] == "purged"


def test_rows_pointing_outside_the_recordings_directory_are_refused_and_their_files_survive(
    database: Database, settings: Settings, tmp_path: Path
) -> None:
    outside = tmp_path / "outside" / "secret.wav"
    _wav(outside, AUDIO)
    settings.recordings_dir.mkdir(parents=True)
    link = settings.recordings_dir / "2025" / "link.wav"
    link.parent.mkdir()
    link.symlink_to(outside)
    (settings.recordings_dir / "2024").symlink_to(outside.parent, target_is_directory=True)
    # Every target lies in tmp_path: a broken check must not be able to delete a real system file.
    escaping = [
        _add(database, settings, "c0ffee01", 200, path="../../outside/secret.wav"),
        _add(database, settings, "c0ffee02", 200, path=str(outside)),
        _add(database, settings, "c0ffee03", 200, path=str(link)),
        _add(database, settings, "c0ffee04", 200, path=str(settings.recordings_dir / ".." / "outside" / "x")),
        _add(database, settings, "c0ffee05", 200, path=str(settings.recordings_dir / "2024" / "secret.wav")),
    ]
    kept = _add(database, settings, "c0ffee06", 200)

    report = _purge(database, settings)

    assert [r.recording_id for r in report.refused] == escaping
    assert all("outside the recordings directory" in r.reason for r in report.refused)
    assert [p.recording_id for p in report.purged] == [kept]
    assert outside.read_bytes()[:4] == b"RIFF" and link.is_symlink()
    assert set(_rows(database)) == set(escaping)
    audit = _audit(settings)
    assert [(a["action"], a["recording_id"]) for a in audit] == [("refused", r) for r in escaping] + [
        ("purged", kept)
    ]


def test_a_dry_run_deletes_nothing_and_writes_no_audit(database: Database, settings: Settings) -> None:
    old = _add(database, settings, "c0ffee01", 200)
    missing = _add(database, settings, "c0ffee02", 190, audio=None)
    report = _purge(database, settings, dry_run=True)
    assert [(p.recording_id, p.note) for p in report.purged] == [(old, None), (missing, ALREADY_MISSING)]
    assert report.bytes_freed == 44 + AUDIO
    assert (settings.recordings_dir / relative_path("c0ffee01", NOW - timedelta(days=200))).exists()
    assert set(_rows(database)) == {old, missing}
    assert not (settings.log_dir / AUDIT_LOG).exists()


def test_each_deletion_is_one_audit_line_with_when_and_by_whom(
    database: Database, settings: Settings
) -> None:
    first = _add(database, settings, "c0ffee01", 200)
    second = _add(database, settings, "c0ffee02", 181)
    before = datetime.now(UTC)
    _purge(database, settings)
    lines = _audit(settings)
    assert [line["recording_id"] for line in lines] == [first, second]
    line = lines[0]
    assert line["action"] == "purged" and line["call_uid"] == "c0ffee01"
    assert line["by"] == pwd.getpwuid(os.geteuid()).pw_name
    assert line["size_bytes"] == 44 + AUDIO
    assert line["path"] == str(settings.recordings_dir / relative_path("c0ffee01", NOW - timedelta(days=200)))
    assert datetime.fromisoformat(str(line["created_at"])) == NOW - timedelta(days=200)
    assert datetime.fromisoformat(str(line["at"])) >= before
    _purge(database, settings)  # nothing left to purge: nothing appended
    assert len(_audit(settings)) == 2


def test_verify_flags_missing_and_empty_files_and_keeps_good_ones(
    database: Database, settings: Settings
) -> None:
    good = _add(database, settings, "c0ffee01", 3)
    gone = _add(database, settings, "c0ffee02", 3)
    empty = _add(database, settings, "c0ffee03", 3, audio=0)
    incomplete = _add(database, settings, "c0ffee04", 3, audio=None, status=STATUS_INCOMPLETE)
    (settings.recordings_dir / relative_path("c0ffee02", NOW - timedelta(days=3))).unlink()

    with database.session() as session:
        report = verify_recordings(session, settings)

    assert report.checked == 3  # only rows recorded as ok are re-checked
    assert [(f.recording_id, f.call_uid, f.status) for f in report.flagged] == [
        (gone, "c0ffee02", STATUS_MISSING),
        (empty, "c0ffee03", STATUS_EMPTY),
    ]
    assert _rows(database) == {good: STATUS_OK, gone: STATUS_MISSING, empty: STATUS_EMPTY,
                               incomplete: STATUS_INCOMPLETE}  # fmt: skip
    with database.session() as session:
        assert verify_recordings(session, settings).flagged == []  # flagged once, then no longer "ok"


def test_verify_since_checks_only_newer_recordings(database: Database, settings: Settings) -> None:
    _add(database, settings, "c0ffee01", 30, audio=None)
    recent = _add(database, settings, "c0ffee02", 1, audio=None)
    with database.session() as session:
        report = verify_recordings(session, settings, since=NOW - timedelta(days=7))
    assert (report.checked, [f.recording_id for f in report.flagged]) == (1, [recent])


def test_cli_purge_prints_one_line_each_and_a_summary_and_writes_the_audit(
    database: Database, settings: Settings, env: dict[str, str]
) -> None:
    now = datetime.now(UTC)
    old = _add(database, settings, "c0ffee01", 200, now=now, audio=1_234_000)
    _add(database, settings, "c0ffee02", 10, now=now)

    dry = hotline(env, "recordings", "purge", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"would purge recording {old} of call c0ffee01: " in dry.output
    assert dry.output.splitlines()[-1] == "dry run: would purge 1 recording, 1.2 MB would be freed"
    assert len(_rows(database)) == 2

    done = hotline(env, "recordings", "purge")
    assert done.exit_code == 0, done.output
    assert f"purged recording {old} of call c0ffee01: " in done.output
    assert done.output.splitlines()[-1] == "purged 1 recording, 1.2 MB freed"
    assert [a["recording_id"] for a in _audit(settings)] == [old]

    listed = json.loads(hotline(env, "recordings", "purge", "--older-than", "5", "--json").output)
    assert (listed["count"], listed["dry_run"], listed["refused"]) == (1, False, [])
    assert listed["purged"][0]["call_uid"] == "c0ffee02"
    assert listed["purged"][0]["size_bytes"] == 44 + AUDIO
    assert _rows(database) == {}


def test_cli_purge_exits_1_when_a_row_was_refused(
    database: Database, settings: Settings, env: dict[str, str], tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere.wav"
    _wav(elsewhere, AUDIO)
    rec = _add(database, settings, "c0ffee01", 200, now=datetime.now(UTC), path=str(elsewhere))
    text = hotline(env, "recordings", "purge")
    assert text.exit_code == 1
    assert f"refused recording {rec} of call c0ffee01: {elsewhere}: path is outside" in text.output
    assert elsewhere.exists()
    assert text.output.splitlines()[-1] == "purged 0 recordings, 0 bytes freed; refused 1 recording"
    as_json = hotline(env, "recordings", "purge", "--json")
    assert as_json.exit_code == 1
    assert [r["recording_id"] for r in json.loads(as_json.output)["refused"]] == [rec]
    assert set(_rows(database)) == {rec}


def test_cli_purge_follows_the_retention_setting_and_refuses_zero_days(
    database: Database, settings: Settings, env: dict[str, str]
) -> None:
    _add(database, settings, "c0ffee01", 200, now=datetime.now(UTC))
    kept = hotline({**env, "HOTLINE_RECORDING_RETENTION_DAYS": "365"}, "recordings", "purge")
    assert kept.output.splitlines() == ["purged 0 recordings, 0 bytes freed"]
    refused = hotline(env, "recordings", "purge", "--older-than", "0")
    assert refused.exit_code == 2 and "0 is not in the range x>=1" in refused.output
    assert len(_rows(database)) == 1


def test_cli_verify_prints_the_flagged_and_a_summary(
    database: Database, settings: Settings, env: dict[str, str]
) -> None:
    _add(database, settings, "c0ffee01", 2, now=datetime.now(UTC))
    gone = _add(database, settings, "c0ffee02", 2, now=datetime.now(UTC), audio=None)
    text = hotline(env, "recordings", "verify")
    assert text.exit_code == 0, text.output
    assert text.output.splitlines()[-1] == "checked 2 recordings, flagged 1"
    assert f"flagged recording {gone} of call c0ffee02: " in text.output and "is missing" in text.output
    again = json.loads(hotline(env, "recordings", "verify", "--json").output)
    assert again == {"checked": 1, "flagged": []}


@pytest.mark.parametrize("days", ["0", "-5"])
def test_retention_of_zero_or_fewer_days_is_a_clear_error(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, days: str
) -> None:
    monkeypatch.setenv("HOTLINE_RECORDING_RETENTION_DAYS", days)
    with pytest.raises(ValidationError, match=f"must be 1 or more, not {days}"):
        get_settings()


def test_retention_defaults_to_180_days_and_reads_the_environment(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert get_settings().recording_retention_days == 180
    monkeypatch.setenv("HOTLINE_RECORDING_RETENTION_DAYS", "30")
    assert get_settings().recording_retention_days == 30
