"""The one code path deciding a call's county (属地化), queue and hours; live calls and the CLI share it.

Order: the dialled number is a county's DID; the caller is a known member; the caller number's
longest county prefix; phonenumbers' geocoding names a county; otherwise the IVR must ask
(county None, the center's queue). A withheld or malformed caller number skips straight to asking.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hotline import vocabulary as v
from hotline.db.groupcommit import GroupCommit
from hotline.db.models import Member
from hotline.db.session import Database
from hotline.routing import hours as hours_mod
from hotline.routing.clock import center_now
from hotline.routing.numbers import Number, describe, dialled_digits, normalise
from hotline.routing.store import CountyInfo, RoutingTable, routing_table
from hotline.settings import Settings
from hotline.singleflight import SingleFlight

logger = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_TZ = "Asia/Shanghai"
DEFAULT_QUEUE = "city"
DETAIL_MAX = 255  # calls.routing_detail
_ASK = "the IVR asks for the district"


@dataclass(frozen=True)
class Decision:
    """Where a call goes and why."""

    county: str | None
    queue: str
    reason: str
    detail: str
    number: str
    kind: str
    open: bool
    hours_reason: str
    overflow_queue: str | None
    overflow_wait: int | None

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class _Located:
    county: str | None
    reason: str
    detail: str


def _name(county: CountyInfo) -> str:
    return county.name_en or county.code


def _unmatched(table: RoutingTable, number: Number) -> _Located:
    """The ask decision for a number nothing matched, saying what is known of it."""
    if number.kind == "withheld":
        return _Located(None, v.REASON_ASK, f"caller number withheld: {_ASK}")
    if number.kind == "invalid":
        return _Located(None, v.REASON_ASK, f"caller number is not a usable phone number: {_ASK}")
    if number.kind == "service":
        return _Located(None, v.REASON_ASK, f"caller {number.national} is a service number: {_ASK}")
    if number.kind == "foreign":
        return _Located(None, v.REASON_ASK, f"caller {number.e164} is outside China: {_ASK}")
    center = table.county(None)
    if center is not None and number.area_code and number.area_code == center.area_code:
        where = f"is in the city (area code {number.area_code}) but"
    else:
        where = f"({describe(number) or 'place unknown'})"
    return _Located(None, v.REASON_ASK, f"caller {number.national} {where} matches no county: {_ASK}")


# Built once: every live call looks its caller up (a prebuilt statement skips building its cache key).
_MEMBER_COUNTY = select(Member.county_id).where(Member.phone == bindparam("phone"))


def _locate(session: Session, table: RoutingTable, number: Number, dialed: str | None) -> _Located:
    digits = dialled_digits(dialed)
    if digits is not None and digits in table.dids:
        county = table.counties[table.dids[digits]]
        return _Located(county.code, v.REASON_DID, f"dialled number {digits} is {_name(county)}'s own number")
    if number.national is None:
        return _unmatched(table, number)
    member_county_id = session.connection().execute(_MEMBER_COUNTY, {"phone": number.national}).scalar()
    member_county = table.codes_by_id.get(member_county_id or 0)
    if member_county is not None:
        county = table.counties[member_county]
        return _Located(
            county.code,
            v.REASON_MEMBER,
            f"caller {number.national} is a member registered in {_name(county)}",
        )
    if number.kind not in ("fixed", "mobile"):
        return _unmatched(table, number)
    prefix = table.longest_prefix(number.national)
    if prefix is not None:
        county = table.counties[prefix.county]
        line = "fixed-line" if prefix.kind == "fixed" else "mobile"
        detail = f"caller {number.national} matches {_name(county)}'s {line} prefix {prefix.prefix}"
        return _Located(county.code, v.REASON_PREFIX, detail)
    place = describe(number)
    geo = table.geo_match(place) if place else None
    if geo is not None:
        return _Located(
            geo.code, v.REASON_GEO, f"caller {number.national} is located in {place}, {_name(geo)}"
        )
    return _unmatched(table, number)


def _resolve(
    table: RoutingTable, code: str | None, skill: str | None, default_queue: str
) -> tuple[str, str | None, int | None]:
    county = table.county(code)
    if county is None and code is not None:
        logger.warning("county %s: unknown, the call goes to the center's queue", code)
        county = table.county(None)
    queue = county.queue_for(skill) if county is not None else None
    if queue is None:
        center = table.county(None)
        queue = (center.queue_for(skill) if center is not None else None) or default_queue
    if county is None:
        return queue, None, None
    return queue, county.overflow_queue, county.overflow_wait


def _verdict(table: RoutingTable, code: str | None, at: datetime, tz: str) -> hours_mod.Verdict:
    county = table.county(code)
    return hours_mod.check(county.hours if county is not None else hours_mod.Hours(), at, tz)


def decide(
    session: Session,
    caller: str | None,
    dialed: str | None,
    at: datetime,
    skill: str | None = None,
    *,
    tz: str = DEFAULT_TZ,
    default_queue: str = DEFAULT_QUEUE,
    table: RoutingTable | None = None,
) -> Decision:
    """The county, queue, reason and hours for a call from `caller` to `dialed` at the aware time `at`.
    `table` is a routing snapshot already in hand (live calls); by default it is read from `session`."""
    table = table or routing_table(session)
    number = normalise(caller)
    located = _locate(session, table, number, dialed)
    queue, overflow, wait = _resolve(table, located.county, skill, default_queue)
    verdict = _verdict(table, located.county, at, tz)
    logger.debug("caller %s: %s, %s", number.label, located.reason, located.detail)
    return Decision(
        county=located.county,
        queue=queue,
        reason=located.reason,
        detail=located.detail[:DETAIL_MAX],
        number=number.label,
        kind=number.kind,
        open=verdict.open,
        hours_reason=verdict.reason,
        overflow_queue=overflow,
        overflow_wait=wait,
    )


def resolve_queue(
    session: Session, county: str | None, skill: str | None, *, default_queue: str = DEFAULT_QUEUE
) -> tuple[str, str | None, int | None]:
    """(queue, overflow queue, overflow wait) for a county (the center's queue when None or unknown)."""
    return _resolve(routing_table(session), county, skill, default_queue)


def county_hours(
    session: Session, county: str | None, at: datetime, *, tz: str = DEFAULT_TZ
) -> hours_mod.Verdict:
    """Whether the county (the center when None) is open at `at`."""
    return _verdict(routing_table(session), county, at, tz)


def county_menu(session: Session) -> dict[str, str]:
    """The IVR's district menu: digit -> county code."""
    return routing_table(session).menu()


def county_names(session: Session) -> dict[str, tuple[str, str]]:
    """County code -> (Chinese name, English name)."""
    return {c.code: (c.name_zh, c.name_en) for c in routing_table(session).counties.values()}


def settled_reason(reason: str | None, county: str | None) -> str | None:
    """The reason stored on a call once routing is over: "ask" with no county chosen means the city
    center took the call ("default")."""
    return v.REASON_DEFAULT if reason == v.REASON_ASK and county is None else reason


class Router:
    """The routing functions for asyncio code. The routing data is a snapshot re-read at most every
    TABLE_TTL seconds (a `hotline routing load` is live within that); only the member lookup of a
    decision touches the database per call, in a worker thread."""

    TABLE_TTL = 5.0

    def __init__(self, database: Database, settings: Settings, writer: GroupCommit | None = None) -> None:
        self.database = database
        self.settings = settings
        self.writer = writer
        self._table: RoutingTable | None = None
        self._expires = 0.0
        self._flight = SingleFlight()

    def now(self) -> datetime:
        return center_now(self.settings)

    async def _run(self, work: Callable[[Session], T]) -> T:
        def in_thread() -> T:
            with self.database.session() as session:
                return work(session)

        return await asyncio.to_thread(in_thread)

    async def table(self) -> RoutingTable:
        """The routing snapshot, re-read when older than TABLE_TTL."""
        now = time.monotonic()
        if self._table is None or now >= self._expires:
            return await self._flight.run("table", self._reload)
        age = self.TABLE_TTL - (self._expires - now)
        self._flight.refresh_ahead("table", self._reload, age, self.TABLE_TTL)
        return self._table

    async def _reload(self) -> RoutingTable:
        table = await self._run(routing_table)
        self._table, self._expires = table, time.monotonic() + self.TABLE_TTL
        return table

    async def decide(
        self, caller: str | None, dialed: str | None, at: datetime | None = None, skill: str | None = None
    ) -> Decision:
        when = at or self.now()
        s = self.settings
        table = await self.table()
        return await self._run(
            lambda session: decide(
                session,
                caller,
                dialed,
                when,
                skill,
                tz=s.timezone,
                default_queue=s.default_queue,
                table=table,
            )
        )

    async def decide_then(
        self, caller: str | None, dialed: str | None, then: Callable[[Session, Decision], T]
    ) -> tuple[Decision, T]:
        """Decide now and run `then(session, decision)` in the same worker thread and session (a
        live call writes its row with one database round trip)."""
        when, s = self.now(), self.settings
        table = await self.table()

        def work(session: Session) -> tuple[Decision, T]:
            decision = decide(session, caller, dialed, when, tz=s.timezone, default_queue=s.default_queue,
                              table=table)  # fmt: skip
            return decision, then(session, decision)

        return await (self.writer.run(work) if self.writer is not None else self._run(work))

    async def resolve_queue(
        self, county: str | None, skill: str | None
    ) -> tuple[str, str | None, int | None]:
        return _resolve(await self.table(), county, skill, self.settings.default_queue)

    async def is_open(self, county: str | None, at: datetime | None = None) -> tuple[bool, str]:
        verdict = _verdict(await self.table(), county, at or self.now(), self.settings.timezone)
        return verdict.open, verdict.reason

    async def county_menu(self) -> dict[str, str]:
        return (await self.table()).menu()
