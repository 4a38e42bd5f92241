"""The routing data in the database: loading a routing file, and an immutable snapshot for decisions.

Design, kept deliberately small:
- The database holds only what the `counties`, `county_dids`, `county_prefixes` and `queues`
  tables already have. The file's `city` block is not stored as such: its area code is written
  on every county of the file (County.area_code), which is how "a fixed line of this city" is
  recognised; its names only appear in the load summary.
- Geocoding (phonenumbers) matches a county when the place it names ends with the county's
  Chinese name, e.g. "广东省惠州市" matches a county named "惠州市". phonenumbers places Chinese
  numbers at prefecture-city level, so this helps a center whose counties are cities; districts
  of one city never match and fall through to the IVR question.
- Loading replaces the whole DID and prefix tables (the file is the number plan) and upserts
  counties and queues by code and name. Counties missing from the file are kept ("unlisted"),
  except that they lose the center flag and any menu digit the file gives to another county.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from types import MappingProxyType
from typing import Any, cast

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.db.models import County, CountyDid, CountyPrefix, Queue
from hotline.routing.hours import DAYS, Days, Hours, parse_time
from hotline.routing.schema import CountyEntry, QueueSettings, RoutingFile

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueInfo:
    name: str
    skill: str | None


@dataclass(frozen=True)
class PrefixInfo:
    prefix: str
    kind: str  # fixed | mobile
    county: str


@dataclass(frozen=True)
class CountyInfo:
    """One county as decisions see it."""

    id: int
    code: str
    name_zh: str
    name_en: str
    area_code: str | None
    is_center: bool
    menu_digit: str | None
    hours: Hours
    overflow_queue: str | None
    overflow_wait: int | None
    queues: tuple[QueueInfo, ...] = ()
    dids: tuple[str, ...] = ()
    prefixes: tuple[PrefixInfo, ...] = ()

    def queue_for(self, skill: str | None) -> str | None:
        """Its queue for `skill`, else its general queue, else any of its queues; None if it has none."""
        for wanted in (skill, None):
            for queue in self.queues:
                if queue.skill == wanted:
                    return queue.name
        return self.queues[0].name if self.queues else None


@dataclass(frozen=True)
class RoutingTable:
    """An immutable snapshot of the routing data."""

    counties: Mapping[str, CountyInfo]
    dids: Mapping[str, str]  # number -> county code
    prefixes: tuple[PrefixInfo, ...]  # longest first
    center: str | None
    codes_by_id: Mapping[int, str] = field(default_factory=lambda: MappingProxyType({}))

    def county(self, code: str | None) -> CountyInfo | None:
        """The county `code`, or the center's when code is None."""
        key = code if code is not None else self.center
        return self.counties.get(key) if key is not None else None

    def longest_prefix(self, national: str) -> PrefixInfo | None:
        return next((p for p in self.prefixes if national.startswith(p.prefix)), None)

    def geo_match(self, place: str) -> CountyInfo | None:
        """The county whose Chinese name ends the geocoded place (the longest name wins)."""
        matches = [c for c in self.counties.values() if c.name_zh and place.endswith(c.name_zh)]
        return max(matches, key=lambda c: len(c.name_zh), default=None)

    def menu(self) -> dict[str, str]:
        """Menu digit -> county code, in digit order."""
        return dict(sorted((c.menu_digit, c.code) for c in self.counties.values() if c.menu_digit))


def _apply(row: County, entry: CountyEntry, routing: RoutingFile) -> None:
    row.name_zh = entry.name_zh
    row.name_en = entry.name_en
    row.area_code = routing.city.area_code
    row.is_center = entry.code == routing.center
    row.hours_days = entry.hours.days
    row.hours_open = _hhmm(entry.hours.open)
    row.hours_close = _hhmm(entry.hours.close)
    row.overflow_queue = entry.overflow.queue if entry.overflow else None
    row.overflow_wait = entry.overflow.after if entry.overflow else None
    row.menu_digit = entry.menu_digit


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _load_queues(session: Session, routing: RoutingFile, rows: dict[str, County]) -> int:
    existing = {q.name: q for q in session.scalars(select(Queue))}
    created = 0
    for entry in routing.counties:
        for queue in entry.queue_entries:
            row = existing.get(queue.name)
            if row is None:
                row = Queue(name=queue.name)
                session.add(row)
                created += 1
            row.county_id = rows[entry.code].id
            row.skill = queue.skill
            _apply_settings(row, queue.settings(routing.queue_defaults))
    return created


def _apply_settings(row: Queue, settings: QueueSettings) -> None:
    row.strategy = settings.strategy
    row.ring_timeout = settings.ring_timeout
    row.wrapup_time = settings.wrapup
    row.max_wait = settings.max_wait
    row.announce_frequency = settings.announce_every
    row.announce_holdtime = settings.announce_holdtime
    row.callback = settings.callback
    row.message_when_empty = settings.message_when_empty


def queue_settings_dict(row: Queue) -> dict[str, Any]:
    """A queue row's settings, named as in the routing file."""
    return {
        "strategy": row.strategy, "ring_timeout": row.ring_timeout, "wrapup": row.wrapup_time,
        "max_wait": row.max_wait, "announce_every": row.announce_frequency,
        "announce_holdtime": row.announce_holdtime, "callback": row.callback,
        "message_when_empty": row.message_when_empty,
    }  # fmt: skip


def load_routing(session: Session, routing: RoutingFile) -> dict[str, int]:
    """Write the file into the database; returns counts (created, updated, unlisted counties, ...)."""
    existing = {c.code: c for c in session.scalars(select(County))}
    rows: dict[str, County] = {}
    for entry in routing.counties:
        row = existing.get(entry.code)
        if row is None:
            row = County(code=entry.code)
            session.add(row)
        _apply(row, entry, routing)
        rows[entry.code] = row
    digits = {e.menu_digit for e in routing.counties if e.menu_digit}
    unlisted = [row for code, row in existing.items() if code not in rows]
    for row in unlisted:
        row.is_center = False
        if row.menu_digit in digits:
            row.menu_digit = None
    session.flush()
    session.execute(delete(CountyDid))
    session.execute(delete(CountyPrefix))
    for entry in routing.counties:
        county_id = rows[entry.code].id
        session.add_all(CountyDid(number=d, county_id=county_id) for d in entry.dids)
        session.add_all(
            CountyPrefix(prefix=p, kind="fixed" if p.startswith("0") else "mobile", county_id=county_id)
            for p in entry.prefixes
        )
    queues_created = _load_queues(session, routing, rows)
    session.flush()
    return {
        "counties": len(rows),
        "created": len(rows.keys() - existing.keys()),
        "updated": len(rows.keys() & existing.keys()),
        "unlisted": len(unlisted),
        "dids": sum(len(e.dids) for e in routing.counties),
        "prefixes": sum(len(e.prefixes) for e in routing.counties),
        "queues": sum(len(e.queue_entries) for e in routing.counties),
        "queues_created": queues_created,
    }


def _hours(row: County) -> Hours:
    """The county's hours; values edited into the database by hand that make no sense mean "always"."""
    try:
        days = row.hours_days if row.hours_days in DAYS else "always"
        return Hours(cast(Days, days), parse_time(row.hours_open), parse_time(row.hours_close))
    except ValueError:
        logger.warning(
            "county %s: unreadable hours %r-%r, open always", row.code, row.hours_open, row.hours_close
        )
        return Hours()


def routing_table(session: Session) -> RoutingTable:
    """A snapshot of counties, DIDs, prefixes and queues."""
    codes = {c.id: c.code for c in session.scalars(select(County))}
    queues: dict[int, list[QueueInfo]] = {}
    for q in session.scalars(select(Queue).where(Queue.county_id.is_not(None)).order_by(Queue.name)):
        queues.setdefault(cast(int, q.county_id), []).append(QueueInfo(q.name, q.skill))
    dids = {
        d.number: codes[d.county_id] for d in session.scalars(select(CountyDid).order_by(CountyDid.number))
    }
    prefix_rows = session.scalars(select(CountyPrefix).order_by(CountyPrefix.prefix))
    prefixes = sorted(
        (PrefixInfo(p.prefix, p.kind, codes[p.county_id]) for p in prefix_rows), key=lambda p: -len(p.prefix)
    )
    counties: dict[str, CountyInfo] = {}
    for row in session.scalars(select(County).order_by(County.id)):
        counties[row.code] = CountyInfo(
            id=row.id,
            code=row.code,
            name_zh=row.name_zh,
            name_en=row.name_en,
            area_code=row.area_code,
            is_center=row.is_center,
            menu_digit=row.menu_digit,
            hours=_hours(row),
            overflow_queue=row.overflow_queue,
            overflow_wait=row.overflow_wait,
            queues=tuple(queues.get(row.id, ())),
            dids=tuple(n for n, code in dids.items() if code == row.code),
            prefixes=tuple(sorted((p for p in prefixes if p.county == row.code), key=lambda p: p.prefix)),
        )
    center = next((c.code for c in counties.values() if c.is_center), None)
    return RoutingTable(
        counties=MappingProxyType(counties),
        dids=MappingProxyType(dids),
        prefixes=tuple(prefixes),
        center=center,
        codes_by_id=MappingProxyType(codes),
    )


def county_dict(county: CountyInfo) -> dict[str, Any]:
    """One county as JSON-ready data."""
    overflow = (
        {"queue": county.overflow_queue, "after": county.overflow_wait} if county.overflow_queue else None
    )
    return {
        "code": county.code,
        "name_zh": county.name_zh,
        "name_en": county.name_en,
        "area_code": county.area_code,
        "is_center": county.is_center,
        "menu_digit": county.menu_digit,
        "dids": list(county.dids),
        "prefixes": [{"prefix": p.prefix, "kind": p.kind} for p in county.prefixes],
        "hours": {
            "days": county.hours.days,
            "open": _hhmm(county.hours.open),
            "close": _hhmm(county.hours.close),
        },
        "overflow": overflow,
        "queues": [{"name": q.name, "skill": q.skill} for q in county.queues],
    }


def show_routing(session: Session) -> dict[str, Any]:
    """Everything routing knows, for `hotline routing show`."""
    table = routing_table(session)
    settings = {q.name: queue_settings_dict(q) for q in session.scalars(select(Queue))}
    counties = [county_dict(c) for c in table.counties.values()]
    for county in counties:
        for queue in county["queues"]:
            queue["settings"] = settings.get(queue["name"])
    return {"center": table.center, "counties": counties}
