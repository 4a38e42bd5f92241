"""Group commit for asyncio code: the database work of many tasks in one transaction.

Every live call writes its row when it starts and again when its IVR ends and it hangs up. One
transaction per write costs a commit (and, on SQLite, a WAL sync and the one write lock) per
write; under a burst of calls those commits queue up behind each other. Here the work that
arrives while a batch is being committed waits for the next batch, so the number of commits
follows the time a commit takes, not the number of calls.

A batch that fails is rolled back and its pieces are run again one transaction each, so one bad
write fails only its own caller. Work functions therefore must only touch the database through
the session they are given (they may run twice).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from hotline.db.session import Database

logger = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[Session], Any]


class GroupCommit:
    """`await writer.run(work)`: work(session) runs in a worker thread, committed with its batch."""

    def __init__(self, database: Database, max_batch: int = 200) -> None:
        self.database = database
        self.max_batch = max_batch
        self.batches = 0  # committed batches (for figures and tests)
        self._waiting: list[tuple[Work, asyncio.Future[Any]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def run(self, work: Callable[[Session], T]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((work, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain(), name="group-commit")
        # shield: a caller cancelled (its call hung up) does not undo a write already queued
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self.max_batch], self._waiting[self.max_batch :]
            outcomes = await asyncio.to_thread(self._commit, [work for work, _ in batch])
            self.batches += 1
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _commit(self, works: list[Work]) -> list[tuple[bool, Any]]:
        if len(works) > 1:
            try:
                with self.database.session() as session:
                    return [(True, work(session)) for work in works]
            except Exception as exc:
                logger.info("group commit of %d writes failed (%s); one by one", len(works), exc)
        return [self._one(work) for work in works]

    def _one(self, work: Work) -> tuple[bool, Any]:
        try:
            with self.database.session() as session:
                return True, work(session)
        except Exception as exc:
            return False, exc
