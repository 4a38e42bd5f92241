"""Group commit and single flight: fewer transactions and reloads under a burst, same results."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.db.groupcommit import GroupCommit
from hotline.db.models import Member
from hotline.db.session import Database
from hotline.singleflight import SingleFlight


def add_member(phone: str) -> Callable[[Session], int]:
    def work(session: Session) -> int:
        member = Member(phone=phone, name=f"m{phone}")
        session.add(member)
        session.flush()
        return member.id

    return work


def members(database: Database) -> list[str]:
    with database.session() as session:
        return sorted(session.scalars(select(Member.phone)))


def test_a_burst_of_writes_is_committed_in_fewer_transactions(database: Database) -> None:
    async def main() -> tuple[list[int], int]:
        writer = GroupCommit(database)
        ids = await asyncio.gather(*(writer.run(add_member(f"1380000{n:04d}")) for n in range(300)))
        return list(ids), writer.batches

    ids, batches = asyncio.run(main())
    assert members(database) == [f"1380000{n:04d}" for n in range(300)]
    assert len(set(ids)) == 300  # each caller got its own row's id back
    assert 2 <= batches < 300  # 300 writes, at most 200 a batch, not one commit each


def test_a_failing_write_fails_only_its_own_caller(database: Database) -> None:
    def boom(session: Session) -> None:
        session.add(Member(phone="13800000001", name="duplicate"))  # violates the unique phone
        session.flush()

    async def main() -> list[object]:
        writer = GroupCommit(database)
        works: list[Callable[[Session], object]] = [add_member("13800000001"), boom]
        works += [add_member("13800000002"), add_member("13800000003")]
        return await asyncio.gather(*(writer.run(w) for w in works), return_exceptions=True)

    results = asyncio.run(main())
    assert isinstance(results[1], Exception)
    assert all(isinstance(r, int) for i, r in enumerate(results) if i != 1)
    assert members(database) == ["13800000001", "13800000002", "13800000003"]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Member)) == 3


def test_single_flight_shares_one_run_and_retries_after_a_failure() -> None:
    runs: list[str] = []

    async def load(value: str) -> str:
        runs.append(value)
        await asyncio.sleep(0.01)
        if value == "bad":
            raise RuntimeError("database gone")
        return value

    async def main() -> tuple[list[str], list[object], str]:
        flight = SingleFlight()
        shared = await asyncio.gather(*(flight.run("table", lambda: load("v1")) for _ in range(50)))
        failed = await asyncio.gather(*(flight.run("table", lambda: load("bad")) for _ in range(5)),
                                      return_exceptions=True)  # fmt: skip
        again = await flight.run("table", lambda: load("v2"))
        return list(shared), list(failed), again

    shared, failed, again = asyncio.run(main())
    assert shared == ["v1"] * 50
    assert all(isinstance(f, RuntimeError) for f in failed)
    assert (again, runs) == ("v2", ["v1", "bad", "v2"])


def test_a_cancelled_waiter_does_not_cancel_the_shared_run() -> None:
    async def main() -> str:
        flight = SingleFlight()
        started = asyncio.Event()

        async def load() -> str:
            started.set()
            await asyncio.sleep(0.05)
            return "table"

        first = asyncio.create_task(flight.run("t", load))
        await started.wait()
        second = asyncio.create_task(flight.run("t", load))
        await asyncio.sleep(0)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        return await second

    assert asyncio.run(main()) == "table"


def test_a_refresh_started_ahead_runs_once_without_anyone_waiting_and_a_failure_is_not_kept() -> None:
    runs: list[str] = []
    release = asyncio.Event()

    async def reload() -> str:
        runs.append("reload")
        await release.wait()
        if len(runs) == 1:
            raise RuntimeError("database away")
        return "fresh"

    async def scenario() -> tuple[bool, bool, str]:
        flight = SingleFlight()
        first = flight.start("table", reload)
        again = flight.start("table", reload)  # while one runs, a second start joins it
        shared = first is again and not first.done()
        release.set()
        await asyncio.sleep(0.01)
        failed = first.done() and first.exception() is not None
        return shared, failed, await flight.run("table", reload)

    shared, failed, result = asyncio.run(scenario())
    assert shared and failed
    assert result == "fresh" and runs == ["reload", "reload"]


def test_a_write_that_lost_a_race_is_told_from_a_real_failure(tmp_path: Path) -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from hotline.db.session import write_conflict

    class Deadlock(Exception):
        sqlstate = "40P01"

    path = tmp_path / "race.db"
    holder = sqlite3.connect(path)
    holder.execute("CREATE TABLE t (n INTEGER)")
    holder.execute("BEGIN IMMEDIATE")  # holds the write lock
    try:
        sqlite3.connect(path, timeout=0).execute("INSERT INTO t VALUES (1)")
    except sqlite3.OperationalError as exc:
        locked = exc
    holder.rollback()
    conflict = OperationalError("INSERT", {}, Deadlock("deadlock detected\nDETAIL: ..."))
    assert write_conflict(conflict) == "deadlock detected"
    assert write_conflict(OperationalError("INSERT", {}, locked)) == "database is locked"
    assert (
        write_conflict(OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))) is None
    )
    assert write_conflict(ValueError("database is locked")) is None
