"""Calls and recordings for the console's call, recording and API tests: rows, and real WAV files in the
console's recordings directory."""

from __future__ import annotations

import uuid
import wave
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from hotline.db.console_models import AuditEntry
from hotline.db.models import Agent, Call, CallLeg, County, Recording
from hotline.db.session import Database

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def recordings_dir(app: Flask) -> Path:
    """The console's recordings directory (settings.home / "recordings"), created."""
    folder = Path(app.extensions["hotline"].settings.recordings_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_wav(path: Path, seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A real 16-bit mono WAV file of a rising tone; returns its bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = bytes((i * 7) % 256 for i in range(int(seconds * rate) * 2))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path.read_bytes()


def add_county(db: Database, code: str = "futian", name_zh: str = "福田区") -> int:
    with db.session() as s:
        county = County(code=code, name_zh=name_zh, name_en=code.title())
        s.add(county)
        s.flush()
        return county.id


def add_agent(db: Database, name: str = "8001", display_name: str = "张敏") -> int:
    with db.session() as s:
        agent = Agent(name=name, display_name=display_name, endpoint=f"agent{name}")
        s.add(agent)
        s.flush()
        return agent.id


def add_call(
    db: Database,
    *,
    caller: str = "13800138001",
    dialed: str = "10109366",
    county_id: int | None = None,
    agent_id: int | None = None,
    entered_at: datetime = T0,
    recordings: Sequence[tuple[str, str]] = (),
    **facts: object,
) -> tuple[int, list[int]]:
    """A finished call (answered if `agent_id`) with recordings (path, status): (id, recording ids)."""
    with db.session() as s:
        call = Call(
            uid=uuid.uuid4().hex,
            caller_number=caller,
            dialed_number=dialed,
            via="sip",
            county_id=county_id,
            agent_id=agent_id,
            entered_at=entered_at,
            answered_at=entered_at + timedelta(seconds=12) if agent_id else None,
            ended_at=entered_at + timedelta(seconds=95),
            disposition="answered" if agent_id else "abandoned",
            wait_s=12.0,
            **facts,
        )
        s.add(call)
        s.flush()
        if agent_id:
            s.add(
                CallLeg(
                    call_id=call.id, agent_id=agent_id, endpoint="agent8001", connected_at=call.answered_at
                )
            )
        rows = [
            Recording(call_id=call.id, path=path, status=status, duration_s=1.0)
            for path, status in recordings
        ]
        s.add_all(rows)
        s.flush()
        return call.id, [r.id for r in rows]


def audit_entries(db: Database, action: str) -> list[AuditEntry]:
    """The audit log's entries of `action`, oldest first."""
    with db.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))
