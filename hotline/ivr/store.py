"""Flow versions in the database, and the cache ari_app asks for the newest version of a flow.

Loading a flow whose text changed adds a version; new calls run the newest one, calls in progress
keep the (immutable) Flow they started with.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.db.models import IvrFlow
from hotline.db.session import Database
from hotline.ivr.schema import Flow, flow_from_data, parse_flow
from hotline.singleflight import SingleFlight

logger = logging.getLogger(__name__)

DEMO_PATH = Path(__file__).resolve().parent / "demo.yaml"


def sha256_of(source_text: str) -> str:
    return hashlib.sha256(source_text.encode("utf-8")).hexdigest()


def newest(session: Session, name: str) -> IvrFlow | None:
    """The newest version of flow `name`, or None if it was never loaded."""
    return session.scalar(
        select(IvrFlow).where(IvrFlow.name == name).order_by(IvrFlow.version.desc()).limit(1)
    )


def version(session: Session, name: str, number: int) -> IvrFlow | None:
    """Version `number` of flow `name`."""
    return session.scalar(select(IvrFlow).where(IvrFlow.name == name, IvrFlow.version == number))


def versions(session: Session, name: str) -> list[IvrFlow]:
    """Every version of flow `name`, oldest first."""
    return list(session.scalars(select(IvrFlow).where(IvrFlow.name == name).order_by(IvrFlow.version)))


def flow_names(session: Session) -> list[tuple[str, int]]:
    """(name, newest version) of every loaded flow, by name."""
    query = select(IvrFlow.name, func.max(IvrFlow.version)).group_by(IvrFlow.name).order_by(IvrFlow.name)
    return [(name, number) for name, number in session.execute(query)]


def load_flow(session: Session, flow: Flow, source_text: str) -> tuple[IvrFlow, bool]:
    """Store `flow` as the next version of its name; (newest row, False) when its text is unchanged."""
    digest = sha256_of(source_text)
    latest = newest(session, flow.name)
    if latest is not None and latest.sha256 == digest:
        return latest, False
    row = IvrFlow(
        name=flow.name,
        version=(latest.version if latest is not None else 0) + 1,
        definition=flow.model_dump(mode="json"),
        source=source_text,
        sha256=digest,
    )
    session.add(row)
    session.flush()
    logger.info("flow %s: version %d loaded", row.name, row.version)
    return row, True


def load_demo_flow(session: Session) -> tuple[IvrFlow, bool]:
    """Load the packaged demo flow (`main`), as seeding does."""
    text = DEMO_PATH.read_text(encoding="utf-8")
    return load_flow(session, parse_flow(text, DEMO_PATH.name), text)


def stored_flow(row: IvrFlow) -> Flow:
    """The Flow of a stored version (FlowError if it no longer validates)."""
    return flow_from_data(row.definition, f"flow {row.name} version {row.version}")


class FlowCache:
    """The newest version of each flow, re-parsed only when a newer one was loaded."""

    # How long a version number read from the database is trusted: a loaded flow reaches new calls
    # within this many seconds, and a burst of calls costs one query, not one each.
    VERSION_TTL = 1.0

    def __init__(self, database: Database) -> None:
        self.database = database
        self._flows: dict[str, tuple[int, Flow]] = {}
        self._checked: dict[str, float] = {}
        self._flight = SingleFlight()

    async def current(self, name: str) -> tuple[int, Flow] | None:
        """(version, Flow) of the newest version of `name`, or None if it was never loaded."""
        cached = self._flows.get(name)
        age = time.monotonic() - self._checked.get(name, 0.0)
        if cached is not None and age < self.VERSION_TTL:
            self._flight.refresh_ahead(name, lambda: self._refresh(name), age, self.VERSION_TTL)
            return cached
        return await self._flight.run(name, lambda: self._refresh(name))

    async def _refresh(self, name: str) -> tuple[int, Flow] | None:
        number = await asyncio.to_thread(self._newest_version, name)
        self._checked[name] = time.monotonic()
        if number is None:
            return None
        cached = self._flows.get(name)
        if cached is not None and cached[0] == number:
            return cached
        flow = await asyncio.to_thread(self._parse, name, number)
        self._flows[name] = (number, flow)
        logger.info("flow %s: now running version %d", name, number)
        return number, flow

    def _newest_version(self, name: str) -> int | None:
        with self.database.session() as session:
            return session.scalar(select(func.max(IvrFlow.version)).where(IvrFlow.name == name))

    def _parse(self, name: str, number: int) -> Flow:
        with self.database.session() as session:
            row = version(session, name, number)
            assert row is not None, "versions are never deleted"
            return stored_flow(row)
