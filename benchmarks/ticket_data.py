"""Generated data for benchmarks.tickets: members, and three years of tickets with their timelines,
reproducible from a seed, bulk-written in batches of BATCH tickets, one transaction each (SQLAlchemy
Core executemany on SQLite, COPY through the raw psycopg connection on PostgreSQL).

Statuses follow hotline.tickets.workflow: every ticket walks its type's path from new to closed, step
by step over a log-normal handling time (a few minutes for a consultation, days for a suggestion);
what has not happened by `now` has not happened, so old tickets are closed (a few cancelled, a few
stuck open for good) and recent ones are spread over the open statuses."""

from __future__ import annotations

import math
import random
import time
from bisect import bisect
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from sqlalchemy import Connection, Engine, Table, func, insert, select, update
from sqlalchemy.orm import Session

from benchmarks.bulk import Row, write
from benchmarks.harness import progress
from hotline.db.base import Base
from hotline.db.models import County, Merchant, ServiceCategory, merchant_categories, merchant_counties
from hotline.db.models import Member as MemberRow
from hotline.db.service_models import Ticket, TicketCounter
from hotline.tickets import workflow
from hotline.tickets.numbering import format_number
from hotline.tickets.timing import DUE_AFTER, URGENCIES, center_zone

BATCH = 20_000
DAYS = 3 * 365 + 1
REGULARS = 0.1  # share of members who call again and again...
REGULAR_TICKETS = 0.3  # ...and the share of tickets that are theirs
HOME_COUNTY = 0.9  # a ticket is in its member's county
STUCK = 0.003  # tickets nobody ever finishes (the old overdue ones)
CANCELLED = 0.03
MEDIAN_HOURS = {"consultation": 0.2, "service": 30.0, "complaint": 48.0, "suggestion": 120.0}
# The actions that take a ticket from new to closed (hotline.tickets.workflow)
PATHS = {
    "consultation": ("answer",),
    "service": ("dispatch", "accept", "confirm_contact", "final_visit"),
    "complaint": ("order_measure", "accept_measure", "complete_measure", "close_satisfied"),
    "suggestion": ("forward", "record_reply", "inform_suggester"),
}
WITH_MERCHANT = {"dispatch", "order_measure"}
TYPE_WEIGHTS = {"consultation": 45, "service": 40, "complaint": 10, "suggestion": 5}
URGENCY_WEIGHTS = dict(zip(URGENCIES, (85, 12, 3), strict=True))
SOURCE_WEIGHTS = {"phone": 85, "web": 12, "api": 3}
COUNTY_WEIGHTS = {"city": 5, "futian": 22, "luohu": 18, "nanshan": 20, "baoan": 20, "longgang": 15}
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 10, 22, 30, 32, 30, 22, 24, 30, 30, 28, 24, 18, 15, 12, 8, 4, 2)
WEEKDAY_FACTOR = (1.15, 1.05, 1.05, 1.0, 1.0, 0.8, 0.7)
GROWTH = 0.4  # the last day has 40 % more tickets than the first
MOBILE_PREFIXES = (*range(130, 140), *range(150, 154), *range(155, 160), 166, 176, 177, 178,
                   *range(180, 190), 198, 199)  # fmt: skip
FIXED_SHARE = 0.2
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
STREETS = (
    "华强北路",
    "东门中路",
    "科技园南区",
    "新安街道",
    "龙城街道",
    "深南大道",
    "建设路",
    "布吉路",
    "西乡大道",
)
AGENTS = ("张敏", "李强", "王芳", "赵磊", "陈静", "刘洋", "黄丽", "周杰", "吴婷", "徐斌", "孙悦", "马超")
ANSWER = "已电话答复"
SUMMARIES = {
    "consultation": (
        "咨询保姆收费标准",
        "询问家电维修网点",
        "咨询养老服务补贴",
        "询问搬家价格",
        "咨询家教服务",
    ),
    "service": ("需要保洁上门", "空调不制冷需维修", "找住家保姆", "周末搬家", "水管漏水维修", "医院陪护"),
    "complaint": ("服务人员迟到", "维修后仍有故障", "收费与报价不符", "保洁不彻底", "态度差"),
    "suggestion": ("建议增加夜间服务", "建议公布商户评分", "建议网上可查工单进度"),
}


class Picker:
    """Weighted random choice by bisecting cumulative weights (random.choices is slower one at a time)."""

    def __init__(self, weights: Mapping[str, float]) -> None:
        self.items = list(weights)
        self.cumulative = list(accumulate(weights.values()))

    def __call__(self, rng: random.Random) -> str:
        return self.items[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


@dataclass(frozen=True)
class Place:
    """A seeded county with the merchants serving it and their category codes."""

    county_id: int
    name: str
    merchants: tuple[tuple[int, tuple[str, ...]], ...]


@dataclass(frozen=True)
class World:
    """What seed_demo left that generated rows refer to, and where generated ids start."""

    places: dict[str, Place]
    categories: tuple[str, ...]
    phones: frozenset[str]
    counters: dict[str, int]
    first_member_id: int
    first_ticket_id: int


def read_world(session: Session) -> World:
    """The seeded counties, merchants, categories, members' phones and ticket counters."""
    served: dict[int, list[int]] = {}
    for merchant_id, county_id in session.execute(select(merchant_counties)):
        served.setdefault(county_id, []).append(merchant_id)
    codes: dict[int, list[str]] = {}
    pairs = select(merchant_categories.c.merchant_id, ServiceCategory.code).join(ServiceCategory)
    for merchant_id, code in session.execute(pairs):
        codes.setdefault(merchant_id, []).append(code)
    all_merchants = sorted(session.scalars(select(Merchant.id)))
    places = {}
    for county in session.scalars(select(County).order_by(County.id)):
        ids = sorted(served.get(county.id, [])) or all_merchants  # the city center: any merchant
        merchants = tuple((m, tuple(codes.get(m) or ("family",))) for m in ids)
        places[county.code] = Place(county.id, county.name_zh, merchants)
    return World(
        places=places,
        categories=tuple(session.scalars(select(ServiceCategory.code).order_by(ServiceCategory.id))),
        phones=frozenset(session.scalars(select(MemberRow.phone))),
        counters={c.day: c.last for c in session.scalars(select(TicketCounter))},
        first_member_id=(max(session.scalars(select(MemberRow.id)), default=0)) + 1,
        first_ticket_id=(max(session.scalars(select(Ticket.id)), default=0)) + 1,
    )


@dataclass(frozen=True)
class Member:
    """A generated member, as the tickets need it."""

    id: int
    phone: str
    name: str
    county: str
    address: str


def make_members(rng: random.Random, world: World, count: int, before: datetime) -> tuple[list[Member], Row]:
    """`count` members with distinct normalised phones (mobiles, Shenzhen fixed lines) and the column
    values they share; all joined before `before`."""
    taken = set(world.phones)
    county = Picker({c: w for c, w in COUNTY_WEIGHTS.items() if c in world.places})
    members: list[Member] = []
    while len(members) < count:
        if rng.random() < FIXED_SHARE:
            phone = f"0755{rng.randint(2, 8)}{rng.randrange(10**7):07d}"
        else:
            phone = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
        if phone in taken:
            continue
        taken.add(phone)
        code = county(rng)
        name = rng.choice(SURNAMES) + rng.choice(("先生", "女士"))
        address = f"{world.places[code].name}{rng.choice(STREETS)}{rng.randint(1, 300)}号"
        members.append(Member(world.first_member_id + len(members), phone, name, code, address))
    return members, {"source": "call", "created_at": before}


def member_rows(members: Sequence[Member], world: World, shared: Row) -> Iterator[list[Row]]:
    """The members' rows, BATCH at a time."""
    for start in range(0, len(members), BATCH):
        yield [
            {"id": m.id, "phone": m.phone, "name": m.name, "county_id": world.places[m.county].county_id,
             "address": m.address, **shared}
            for m in members[start : start + BATCH]
        ]  # fmt: skip


def day_counts(rng: random.Random, first: date, total: int, today_share: float) -> list[int]:
    """Tickets per day over DAYS days from `first`: growing, fewer at weekends, some noise."""
    weights = [
        (1 + GROWTH * i / DAYS)
        * WEEKDAY_FACTOR[(first + timedelta(days=i)).weekday()]
        * rng.uniform(0.85, 1.15)
        for i in range(DAYS)
    ]
    weights[-1] *= today_share
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for day in rng.choices(range(DAYS), weights=weights, k=total - sum(counts)):
        counts[day] += 1
    return counts


def elapsed_share(now_local: datetime) -> float:
    """The share of a day's tickets (by HOUR_WEIGHTS) already opened at `now_local`."""
    hour = now_local.hour
    done = sum(HOUR_WEIGHTS[:hour]) + HOUR_WEIGHTS[hour] * now_local.minute / 60
    return done / sum(HOUR_WEIGHTS)


def opening_times(rng: random.Random, start: datetime, count: int, limit: datetime) -> list[datetime]:
    """`count` sorted instants of the local day starting at `start` (UTC), busy hours weighted, < limit."""
    hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
    times = sorted(start + timedelta(hours=h, seconds=rng.uniform(0, 3600)) for h in hours)
    if times and times[-1] >= limit:  # today: squeeze what lies ahead into the hours gone by
        span = (limit - start).total_seconds()
        times = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in times)
    return times


class TicketMaker:
    """Tickets and their timeline events, in opening order, numbered as hotline.tickets.numbering does."""

    def __init__(self, rng: random.Random, world: World, members: Sequence[Member], now: datetime) -> None:
        self.rng, self.world, self.members, self.now = rng, world, members, now
        self.next_id = world.first_ticket_id
        self.counters: dict[str, int] = {}
        self.kind = Picker(TYPE_WEIGHTS)
        self.urgency = Picker(URGENCY_WEIGHTS)
        self.source = Picker(SOURCE_WEIGHTS)
        self.other_county = Picker({c: w for c, w in COUNTY_WEIGHTS.items() if c in world.places})
        self.regulars = max(1, int(len(members) * REGULARS))

    def batches(self, total: int) -> Iterator[tuple[list[Row], list[Row]]]:
        """(tickets, events) batches of about BATCH tickets until `total` tickets are made."""
        zone = center_zone()
        today = self.now.astimezone(zone).date()
        first = today - timedelta(days=DAYS - 1)
        counts = day_counts(self.rng, first, total, elapsed_share(self.now.astimezone(zone)))
        tickets: list[Row] = []
        events: list[Row] = []
        for offset, count in enumerate(counts):
            day = first + timedelta(days=offset)
            start = datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
            key = f"{day:%Y%m%d}"
            serial = self.world.counters.get(key, 0)
            for opened in opening_times(self.rng, start, count, self.now):
                serial += 1
                tickets.append(self.ticket(format_number(day, serial), opened, events))
            if count:
                self.counters[key] = serial
            if len(tickets) >= BATCH or (tickets and offset == len(counts) - 1):
                yield tickets, events
                tickets, events = [], []

    def ticket(self, number: str, opened: datetime, events: list[Row]) -> Row:
        """One ticket's row; its timeline events are appended to `events`."""
        rng = self.rng
        pick = rng.random
        member = self.members[
            int(pick() * (self.regulars if pick() < REGULAR_TICKETS else len(self.members)))
        ]
        county = member.county if pick() < HOME_COUNTY else self.other_county(rng)
        kind, urgency, source = self.kind(rng), self.urgency(rng), self.source(rng)
        ticket_id = self.next_id
        self.next_id += 1
        place = self.world.places[county]
        merchant_id, codes = place.merchants[int(pick() * len(place.merchants))]
        moves, closed_at = self.walk(kind, opened)
        dispatched = any(action in WITH_MERCHANT for _, action, _, _ in moves)
        categories = codes if dispatched else self.world.categories
        category = None if kind == "suggestion" else categories[int(pick() * len(categories))]
        actor = AGENTS[int(pick() * len(AGENTS))]  # the ticket's agent does every step: cheaper to make
        events.append(
            event(
                ticket_id, opened, actor, "open", None, workflow.NEW, {"source": source, "urgency": urgency}
            )
        )
        for at, action, before, after in moves:
            data: dict[str, object] | None = {"merchant_id": merchant_id} if action in WITH_MERCHANT else None
            events.append(event(ticket_id, at, actor, action, before, after, data))
        status, updated = (moves[-1][3], moves[-1][0]) if moves else (workflow.NEW, opened)
        summaries = SUMMARIES[kind]
        return {
            "id": ticket_id, "number": number, "type": kind, "status": status,
            "county_id": place.county_id, "member_id": member.id, "call_id": None, "category_code": category,
            "summary": summaries[int(pick() * len(summaries))], "created_at": opened,
            "updated_at": updated, "urgency": urgency,
            "due_at": opened + DUE_AFTER[kind][urgency], "source": source, "contact_name": member.name,
            "contact_phone": member.phone, "address": member.address,
            "answer": ANSWER if kind == "consultation" and closed_at and moves[-1][1] == "answer" else None,
            "merchant_id": merchant_id if dispatched else None, "created_by_id": None,
            "closed_at": closed_at, "version": 1 + len(moves),
        }  # fmt: skip

    def walk(
        self, kind: str, opened: datetime
    ) -> tuple[list[tuple[datetime, str, str, str]], datetime | None]:
        """The ticket's moves (at, action, from, to) up to now along its type's path, and when it ended."""
        rng, path = self.rng, PATHS[kind]
        span = timedelta(hours=rng.lognormvariate(math.log(MEDIAN_HOURS[kind]), 1.0))
        actions = list(path)
        if rng.random() < STUCK:
            actions = actions[: rng.randrange(len(path))]  # stops part-way, for good
        elif rng.random() < CANCELLED:
            actions = [*actions[: rng.randrange(len(path))], "cancel"]
        moves = []
        status = workflow.NEW
        for step, action in enumerate(actions, start=1):
            at = opened + span * step / len(actions)
            if at >= self.now:
                break
            target = workflow.TRANSITIONS[(kind, status, action)].target
            moves.append((at, action, status, target))
            status = target
        closed = moves[-1][0] if moves and status in workflow.TERMINAL else None
        return moves, closed


def event(ticket_id: int, at: datetime, actor: str, action: str, before: str | None, after: str,
          data: dict[str, object] | None) -> Row:  # fmt: skip
    """A ticket_events row."""
    return {"ticket_id": ticket_id, "at": at, "actor_id": None, "actor": actor, "action": action,
            "from_status": before, "to_status": after, "note": None, "data": data}  # fmt: skip


def table(name: str) -> Table:
    """The Core table of that name."""
    return Base.metadata.tables[name]


@dataclass(frozen=True)
class Generated:
    """How long generating and writing took, and what was written."""

    members: int
    member_s: float
    tickets: int
    events: int
    ticket_s: float
    first_ticket_id: int
    first_member_id: int


def generate(
    engine: Engine, world: World, *, members: int, tickets: int, seed: int, now: datetime
) -> Generated:
    """Write `members` members and `tickets` tickets (with events and day counters) into the database."""
    rng = random.Random(seed)
    started = time.monotonic()
    people, shared = make_members(rng, world, members, now - timedelta(days=DAYS + 30))
    for batch in member_rows(people, world, shared):
        with engine.begin() as conn:
            write(conn, table("members"), batch)
    member_s = time.monotonic() - started
    progress(f"{members:,} members in {member_s:.1f} s ({members / member_s:,.0f} rows/s)")
    maker = TicketMaker(rng, world, people, now)
    started, done, events, shown = time.monotonic(), 0, 0, 0
    for ticket_rows, event_rows in maker.batches(tickets):
        with engine.begin() as conn:
            write(conn, table("tickets"), ticket_rows)
            write(conn, table("ticket_events"), event_rows)
        done, events = done + len(ticket_rows), events + len(event_rows)
        if done - shown >= 100_000 or done == tickets:
            shown, elapsed = done, time.monotonic() - started
            progress(f"{done:,} tickets, {events:,} events in {elapsed:.0f} s "
                     f"({(done + events) / elapsed:,.0f} rows/s)")  # fmt: skip
    with engine.begin() as conn:
        write_counters(conn, world.counters, maker.counters)
        if conn.dialect.name == "postgresql":  # ids were given: move the sequences past them
            for column in (MemberRow.id, Ticket.id):
                sequence = func.pg_get_serial_sequence(column.class_.__tablename__, column.key)
                conn.execute(select(func.setval(sequence, select(func.max(column)).scalar_subquery())))
    return Generated(members, member_s, done, events, time.monotonic() - started,
                     world.first_ticket_id, world.first_member_id)  # fmt: skip


def write_counters(conn: Connection, seeded: dict[str, int], generated: dict[str, int]) -> None:
    """Each day's counter at its last serial, as next_number() would have left it."""
    counters = table("ticket_counters")
    fresh = [{"day": day, "last": last} for day, last in generated.items() if day not in seeded]
    if fresh:
        conn.execute(insert(counters), fresh)
    for day, last in generated.items():
        if day in seeded:
            conn.execute(update(counters).where(counters.c.day == day).values(last=last))
