"""Benchmark: ticket search over a million generated tickets, on SQLite and PostgreSQL.

    python -m benchmarks.tickets [--tickets 1000000] [--members 200000] [--database sqlite|postgresql|both]
                                 [--repeat 30] [--seed 1]

Each database is made fresh (SQLite: var/bench-tickets/hotline.db; PostgreSQL: the database
hotline_bench_tickets on 127.0.0.1:5432, HOTLINE_BENCH_PG_ADMIN_URL to change), migrated with Alembic
(the real schema and indexes), seeded with seed_demo, then filled by benchmarks.ticket_data: members
with distinct phones and ~3 years of tickets with their timelines (PostgreSQL is then VACUUM ANALYZEd,
as autovacuum would have done; SQLite gets no ANALYZE, as the application never runs one).

Then each typical query runs --repeat times with different values through search_tickets (what the
console and the API call), one fresh Session per call, first page of 25; then the same values again
with with_total=True (the count the console shows). timeline() and member_history() are timed too.
Prints a markdown report per database, with the query plan of every query whose p95 is over 100 ms.
No root needed; nothing of a center is started.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from benchmarks.harness import fresh_postgres, progress
from benchmarks.ticket_data import DAYS, Generated, generate, read_world
from benchmarks.tickets_report import Measured, Timing, report
from hotline.db.migrate import upgrade
from hotline.db.models import Member, Merchant
from hotline.db.service_models import Ticket
from hotline.db.session import Database
from hotline.services.seed import seed_demo
from hotline.testcenter import REPO
from hotline.tickets import workflow
from hotline.tickets.members import member_history
from hotline.tickets.search import TicketQuery, search_tickets, timeline
from hotline.tickets.timing import center_zone

logger = logging.getLogger(__name__)

HOME = REPO / "var" / "bench-tickets"
PG_NAME = "hotline_bench_tickets"
SLOW_MS = 100.0
SAMPLES = 2000  # tickets drawn to take numbers, phones and members from
# EXPLAIN in front of the very statement SQLAlchemy sent; its values stay bound parameters
EXPLAIN = {"sqlite": "EXPLAIN QUERY PLAN ", "postgresql": "EXPLAIN (ANALYZE, BUFFERS) "}
SELECT_LIST = re.compile(r"^SELECT .*? FROM")  # shown as "SELECT … FROM" above a plan


@dataclass(frozen=True)
class Sample:
    """Values taken from the generated data to vary the queries with."""

    numbers: list[str]
    phones: list[str]
    member_ids: list[int]
    ticket_ids: list[int]
    county_ids: list[int]
    merchant_ids: list[int]
    first_day: date
    last_day: date

    def day(self, rng: random.Random) -> date:
        """A random day of the generated range."""
        return self.first_day + timedelta(days=rng.randrange((self.last_day - self.first_day).days + 1))

    def month(self, rng: random.Random) -> tuple[date, date]:
        """The first and last day of a random month of the range."""
        first = self.day(rng).replace(day=1)
        return first, (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)


def take_sample(db: Database, generated: Generated) -> Sample:
    """SAMPLES random generated tickets' numbers and members, the merchants, counties and days."""
    rng = random.Random(7)
    last_id = generated.first_ticket_id + generated.tickets - 1
    ids = [rng.randint(generated.first_ticket_id, last_id) for _ in range(SAMPLES)]
    with db.session() as session:
        rows = session.execute(select(Ticket.number, Ticket.member_id).where(Ticket.id.in_(ids))).all()
        member_ids = [r.member_id for r in rows if r.member_id is not None]
        phones = list(session.scalars(select(Member.phone).where(Member.id.in_(member_ids))))
        merchants = list(session.scalars(select(Merchant.id).order_by(Merchant.id)))
        counties = list(session.scalars(select(Ticket.county_id).distinct()))
    today = datetime.now(UTC).astimezone(center_zone()).date()
    return Sample([r.number for r in rows], phones, member_ids, ids, [c for c in counties if c], merchants,
                  today - timedelta(days=DAYS - 1), today)  # fmt: skip


def open_status(rng: random.Random, kind: str) -> tuple[str, ...]:
    """One open status of the type, or all of them (the console's "open" filter)."""
    choices = [s for s in workflow.STATUSES[kind] if s not in workflow.TERMINAL]
    return (rng.choice(choices),) if rng.random() < 0.5 else tuple(choices)


def by_number(r: random.Random, s: Sample) -> TicketQuery:
    return TicketQuery(number=r.choice(s.numbers))


def by_phone(r: random.Random, s: Sample) -> TicketQuery:
    phone = r.choice(s.phones)
    return TicketQuery(phone=phone if r.random() < 0.5 or phone.startswith("0") else f"+86 {phone}")


def by_status_type(r: random.Random, s: Sample) -> TicketQuery:
    kind = r.choice(workflow.TYPES)
    return TicketQuery(type=kind, statuses=open_status(r, kind))


def by_county_month(r: random.Random, s: Sample) -> TicketQuery:
    start, end = s.month(r)
    return TicketQuery(county_id=r.choice(s.county_ids), created_from=start, created_to=end)


def by_merchant(r: random.Random, s: Sample) -> TicketQuery:
    return TicketQuery(merchant_id=r.choice(s.merchant_ids))


def by_week(r: random.Random, s: Sample) -> TicketQuery:
    start = s.day(r)
    return TicketQuery(created_from=start, created_to=start + timedelta(days=6))


def combined(r: random.Random, s: Sample) -> TicketQuery:
    start, end = s.month(r)
    kind = r.choice(workflow.TYPES)
    statuses = (workflow.CLOSED,) if r.random() < 0.7 else open_status(r, kind)
    return TicketQuery(county_id=r.choice(s.county_ids), type=kind, statuses=statuses,
                       created_from=start, created_to=end)  # fmt: skip


def newest(r: random.Random, s: Sample) -> TicketQuery:
    return TicketQuery()


QUERIES: tuple[tuple[str, Callable[[random.Random, Sample], TicketQuery]], ...] = (
    ("number (exact)", by_number),
    ("member phone", by_phone),
    ("type + open status", by_status_type),
    ("county + month", by_county_month),
    ("merchant", by_merchant),
    ("week", by_week),
    ("county + type + status + month", combined),
    ("newest, no filter", newest),
)


def run_search(db: Database, make: Callable[[random.Random, Sample], TicketQuery], label: str,
               sample: Sample, repeat: int, with_total: bool) -> Timing:  # fmt: skip
    rng = random.Random(label)  # the same values with and without the total, on every database
    timing = Timing(label)
    for _ in range(repeat):
        query = make(rng, sample)
        with db.session() as session:
            started = time.perf_counter()
            page = search_tickets(session, query, with_total=with_total)
            timing.add(1000 * (time.perf_counter() - started), len(page.items), page.total, query)
    return timing


def run_call(db: Database, label: str, ids: list[int], repeat: int,
             call: Callable[[Session, int], int]) -> Timing:  # fmt: skip
    rng = random.Random(label)
    timing = Timing(label)
    for _ in range(repeat):
        with db.session() as session:
            started = time.perf_counter()
            rows = call(session, rng.choice(ids))
            timing.add(1000 * (time.perf_counter() - started), rows, None, None)
    return timing


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The statements (and their parameters) sent to the database inside the block."""
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def explain(db: Database, query: TicketQuery) -> list[str]:
    """The plans of the statements on tickets that search_tickets(with_total=True) sends for `query`."""
    with captured(db.engine) as sent, db.session() as session:
        search_tickets(session, query, with_total=True)
    lines = []
    prefix = EXPLAIN[db.engine.dialect.name]
    for statement, parameters in sent:
        if "FROM tickets" not in statement:
            continue  # the member lookup and the selectin loads of counties, members, merchants
        lines.append("-- " + SELECT_LIST.sub("SELECT … FROM", " ".join(statement.split()), count=1))
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql(prefix + statement, parameters).all()
        lines += [str(r[-1]) for r in rows]
    return lines


def measure(db: Database, generated: Generated, repeat: int) -> tuple[list[tuple[Timing, Timing | None]],
                                                                     dict[str, list[str]]]:  # fmt: skip
    sample = take_sample(db, generated)
    for label, make in QUERIES:  # warm-up: one untimed pass over every query
        run_search(db, make, label, sample, 1, with_total=True)
    timings: list[tuple[Timing, Timing | None]] = []
    plans = {}
    for label, make in QUERIES:
        progress(f"{label}: {repeat} runs, then {repeat} with the total")
        page = run_search(db, make, label, sample, repeat, with_total=False)
        total = run_search(db, make, label, sample, repeat, with_total=True)
        timings.append((page, total))
        worst = page if page.p(95) >= total.p(95) else total
        if max(page.p(95), total.p(95)) > SLOW_MS and worst.slowest is not None:
            plans[label] = explain(db, worst.slowest)
    timings.append((run_call(db, "timeline of a ticket", sample.ticket_ids, repeat,
                             lambda s, i: len(timeline(s, i))), None))  # fmt: skip
    timings.append((run_call(db, "member history", sample.member_ids, repeat,
                             lambda s, i: len(member_history(s, i).tickets)), None))  # fmt: skip
    return timings, plans


def fresh_database(kind: str) -> str:
    """The URL of an empty database of that kind."""
    if kind == "postgresql":
        return fresh_postgres(HOME, PG_NAME)
    shutil.rmtree(HOME, ignore_errors=True)
    HOME.mkdir(parents=True)
    return f"sqlite:///{HOME / 'hotline.db'}"


def size_mb(db: Database) -> float:
    if db.engine.dialect.name == "postgresql":
        with db.session() as session:
            return float(session.scalar(select(func.pg_database_size(func.current_database()))) or 0) / 2**20
    return sum(p.stat().st_size for p in HOME.glob("hotline.db*")) / 2**20


def version(db: Database) -> str:
    if db.engine.dialect.name == "postgresql":
        with db.session() as session:
            return " ".join(str(session.scalar(select(func.version()))).split()[:2])
    return f"SQLite {sqlite3.sqlite_version}"


def analyze(db: Database) -> float:
    """PostgreSQL: VACUUM ANALYZE the bulk-loaded tables (what autovacuum does soon after); seconds."""
    if db.engine.dialect.name != "postgresql":
        return 0.0
    started = time.monotonic()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    return time.monotonic() - started


def bench(kind: str, args: argparse.Namespace, now: datetime) -> Measured:
    """Make, fill and measure one database."""
    progress(f"{kind}: fresh database, migrate, seed")
    started = time.monotonic()
    url = fresh_database(kind)
    upgrade(url)
    db = Database(url)
    try:
        with db.session() as session:
            seed_demo(session)
        with db.session() as session:
            world = read_world(session)
        prepare_s = time.monotonic() - started
        generated = generate(db.engine, world, members=args.members, tickets=args.tickets, seed=args.seed,
                             now=now)  # fmt: skip
        analyze_s = analyze(db)
        before = os.getloadavg()[0]
        timings, plans = measure(db, generated, args.repeat)
        where = PG_NAME if kind == "postgresql" else os.path.relpath(HOME / "hotline.db", REPO)
        return Measured(where, version(db), size_mb(db), prepare_s, generated, analyze_s, timings, plans,
                        (before, os.getloadavg()[0]))  # fmt: skip
    finally:
        db.dispose()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tickets", description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets to generate")
    parser.add_argument("--members", type=int, default=200_000, help="members to generate")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=30, help="runs of each query")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated data")
    args = parser.parse_args(argv)
    if args.tickets < 1 or args.members < 1 or args.repeat < 1:
        parser.error("--tickets, --members and --repeat must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started, now, load = datetime.now(), datetime.now(UTC), os.getloadavg()[0]
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    results = [bench(kind, args, now) for kind in kinds]
    print(report(results, args, started, load))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
