"""Async facade over the call record for ari_app and agi: database work runs in worker threads."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path, PurePosixPath

from hotline.db.groupcommit import GroupCommit
from hotline.db.session import Database
from hotline.services import calls, messages
from hotline.services.recordings import RecordingFacts, measure, wav_is_closed

logger = logging.getLogger(__name__)


class CallStore:
    """The event loop never touches the database directly: each write is committed in a worker
    thread, together with the writes of other calls that arrive meanwhile (group commit)."""

    def __init__(self, database: Database, writer: GroupCommit | None = None) -> None:
        self.database = database
        self.writer = writer or GroupCommit(database)

    async def register(self, entry: calls.CallEntry) -> calls.NewCall:
        return await self.writer.run(lambda session: calls.register_call(session, entry))

    async def record_ivr(self, uid: str, facts: calls.IvrFacts) -> None:
        await self.writer.run(lambda session: calls.record_ivr(session, uid, facts))

    async def set_disposition(self, uid: str, disposition: str) -> None:
        await self.writer.run(lambda session: calls.set_disposition(session, uid, disposition))

    async def exists(self, uid: str) -> bool:
        return await self.writer.run(lambda session: calls.call_exists(session, uid))

    async def uid_for_channel(self, channel_id: str) -> str | None:
        return await self.writer.run(lambda session: calls.uid_for_channel(session, channel_id))

    async def connected(
        self, uid: str, endpoint: str, channel: str | None = None, at: datetime | None = None
    ) -> None:
        await self.writer.run(
            lambda session: calls.mark_connected(session, uid, endpoint, at=at, channel=channel)
        )

    async def ended(self, uid: str, cause: str | None) -> bool:
        """Close the call row; True when the call had been answered (so a recording is due)."""
        call = await self.writer.run(lambda session: calls.mark_ended(session, uid, cause))
        return call.answered_at is not None

    async def finish_recording(
        self, uid: str, path: Path, timeout: float = 15.0, leg: str = "inbound"
    ) -> RecordingFacts:
        """Wait for MixMonitor to close the file, measure it and attach it to the call (a file that
        never comes is stored as missing)."""
        facts = await closed_and_measured(path, timeout)
        await self.writer.run(
            lambda session: calls.add_recording(
                session,
                uid,
                path=str(path),
                status=facts.status,
                duration_s=facts.duration_s,
                size_bytes=facts.size_bytes,
                sha256=facts.sha256,
                leg=leg,
            )
        )
        logger.info("call %s: recording %s is %s (%.2f s)", uid, path, facts.status, facts.duration_s or 0)
        return facts


async def closed_and_measured(path: Path, timeout: float, poll: float = 0.2) -> RecordingFacts:
    """Wait until Asterisk has closed the file (its size stable), then measure it. The waiting is on the
    event loop, each look at the file a short trip to a worker thread: a hundred recordings that never
    come must not hold the worker threads every other request of the process needs."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last = -1
    while loop.time() < deadline:
        size = await asyncio.to_thread(_closed_size, path)
        if size is not None and size == last:
            break
        last = size if size is not None else -1
        await asyncio.sleep(poll)
    return await asyncio.to_thread(measure, path)


def _closed_size(path: Path) -> int | None:
    """The size of a finished WAV file; None while it is missing or still being written."""
    try:
        return path.stat().st_size if wav_is_closed(path) else None
    except FileNotFoundError:
        return None


async def keep_queue_message(store: CallStore, uid: str, path: Path, queue: str | None,
                             timeout: float = 10.0) -> int | None:  # fmt: skip
    """A message the caller left when no agent could answer: measured, then a pending item for the
    queue's county; the call's disposition becomes `message`. None when the file holds nothing."""

    facts = await closed_and_measured(path, timeout)
    if facts.status != "ok":
        logger.warning("call %s: queue message %s is %s; not kept", uid, path, facts.status)
        return None
    return await store.writer.run(
        lambda session: messages.save_queue_message(session, uid, queue, str(path), facts.duration_s)
    )


def host_recording_path(inner: str, recordings_inner: str, recordings_dir: Path, fmt: str) -> Path | None:
    """Map the path Asterisk wrote (inside its root) to the host's recordings directory, safely."""
    inner_path = PurePosixPath(inner)
    base = PurePosixPath(recordings_inner)
    try:
        rel = inner_path.relative_to(base)
    except ValueError:
        return None
    if not rel.parts or any(part in ("..", ".", "") for part in rel.parts):
        return None
    return recordings_dir.joinpath(*rel.parts).with_suffix(f".{fmt}")
