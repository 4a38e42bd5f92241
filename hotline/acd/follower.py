"""Follows Asterisk's queue_log file into the database, and runs the agents' wrap-up clock.

The byte offset read so far is kept in the database (ingest_cursors) in the same transaction as the
events it covers: a restart resumes where it stopped, never counts a line twice, never skips one.
A new file (another inode, or shorter than the offset) is read from its start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.acd import queuelog
from hotline.acd.agents import change_state
from hotline.acd.states import READY, WRAPUP
from hotline.db.base import utcnow
from hotline.db.models import Agent, IngestCursor, Queue, QueueEvent
from hotline.db.session import Database, write_conflict

logger = logging.getLogger(__name__)

CURSOR = "queue_log"
MAX_READ = 1 << 20  # bytes per step: a backlog is read in bounded batches


def read_new(path: Path, inode: int | None, offset: int) -> tuple[int, int, list[str]] | None:
    """Complete lines after `offset` of the file at `path`: (inode, new offset, lines); None when the
    file does not exist yet. A partial last line waits for the next read."""
    try:
        with path.open("rb") as fh:
            stat = os.fstat(fh.fileno())
            if stat.st_ino != inode or stat.st_size < offset:
                offset = 0
            fh.seek(offset)
            chunk = fh.read(MAX_READ)
    except FileNotFoundError:
        return None
    end = chunk.rfind(b"\n")
    if end < 0:
        return stat.st_ino, offset, []
    lines = chunk[: end + 1].decode("utf-8", errors="replace").splitlines()
    return stat.st_ino, offset + end + 1, lines


class QueueLogFollower:
    """One step reads what is new and stores it; `run` steps until stopped (in a worker thread: the
    file and the database are blocking)."""

    def __init__(self, database: Database, path: Path, poll: float = 0.5) -> None:
        self.database = database
        self.path = path
        self.poll = poll

    def step(self) -> int:
        """Ingest what is new; returns the number of events stored."""
        with self.database.session() as session:
            cursor = session.get(IngestCursor, CURSOR)
            found = read_new(self.path, cursor.inode if cursor else None, cursor.offset if cursor else 0)
            stored = 0
            if found is not None:
                inode, offset, lines = found
                parsed = [p for p in map(queuelog.parse_line, lines) if p is not None]
                done = queuelog.ingest(session, parsed)
                stored = done.events
                self._start_wrapups(session, done.ended)
                if cursor is None:
                    cursor = IngestCursor(name=CURSOR, inode=inode, offset=offset)
                    session.add(cursor)
                cursor.inode, cursor.offset, cursor.updated_at = inode, offset, utcnow()
            self._end_wrapups(session)

        return stored

    def _start_wrapups(self, session: Session, ended: list[tuple[str, str]]) -> None:
        """An agent whose talk ended in a queue with a wrap-up time is in wrap-up (app_queue keeps calls
        away from it meanwhile; this is the application's view of it)."""
        for name, queue in ended:
            wrapup = session.scalar(select(Queue.wrapup_time).where(Queue.name == queue)) or 0
            agent = session.scalar(select(Agent).where(Agent.name == name))
            if wrapup > 0 and agent is not None and agent.state == READY:
                change_state(session, agent, "call_end", None, "acd")

    def _end_wrapups(self, session: Session) -> None:
        now = utcnow()
        for agent in session.scalars(select(Agent).where(Agent.state == WRAPUP)):
            # the wrap-up time of the queue whose call the agent finished last (as app_queue counts it)
            last = (
                select(QueueEvent.queue)
                .where(QueueEvent.agent == agent.name, QueueEvent.event.in_(queuelog.ANSWERED))
                .order_by(QueueEvent.id.desc())
                .limit(1)
                .scalar_subquery()
            )
            wrapup = session.scalar(select(Queue.wrapup_time).where(Queue.name == last)) or 0
            started = agent.state_changed_at or now
            if started.tzinfo is None:
                started = started.replace(tzinfo=now.tzinfo)
            if started + timedelta(seconds=wrapup) <= now:
                change_state(session, agent, "wrapup_end", None, "acd")

    async def run(self, stop: asyncio.Event) -> None:
        logger.info("following %s", self.path)
        while not stop.is_set():
            try:
                stored = await asyncio.to_thread(self.step)
                if stored:
                    logger.debug("queue_log: %d events stored", stored)
            except Exception as exc:  # the database may be away for a while: try again, lose nothing
                conflict = write_conflict(exc)
                if conflict is not None:  # another writer of the same call rows won: nothing is wrong
                    logger.warning("queue_log: a concurrent write conflicted (%s); retrying", conflict)
                else:
                    logger.exception("queue_log: could not store new events; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll)
        try:
            await asyncio.to_thread(self.step)  # what Asterisk wrote until the stop
        except Exception:
            logger.exception("queue_log: the last events were not stored; the next start reads them")
