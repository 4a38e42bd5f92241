"""The report of benchmarks.tickets: what one database measured, as markdown."""

from __future__ import annotations

import argparse
import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from benchmarks.harness import fmt, markdown_table, percentile
from benchmarks.ticket_data import DAYS, Generated
from hotline.tickets.search import TicketQuery

HEADERS = ["query", "p50 ms", "p95 ms", "max ms", "rows", "+total p50 ms", "+total p95 ms", "matches"]


@dataclass
class Timing:
    """One query's runs: milliseconds, rows on the page, and the slowest run's query."""

    label: str
    ms: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    slowest: TicketQuery | None = None

    def add(self, ms: float, rows: int, total: int | None, query: TicketQuery | None) -> None:
        if not self.ms or ms > max(self.ms):
            self.slowest = query
        self.ms.append(ms)
        self.rows.append(rows)
        if total is not None:
            self.totals.append(total)

    def p(self, q: float) -> float:
        return percentile(self.ms, q)


@dataclass
class Measured:
    """Everything measured on one database."""

    where: str  # the file or database name
    version: str
    size_mb: float
    prepare_s: float
    generated: Generated
    analyze_s: float
    timings: list[tuple[Timing, Timing | None]]
    plans: dict[str, list[str]]
    load: tuple[float, float]  # 1-minute load average before and after the queries


def machine_line(results: Sequence[Measured]) -> str:
    """Cores, CPU model, and the databases measured with their versions."""
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    models = [x.split(":", 1)[1].strip() for x in cpuinfo if x.startswith("model name")]
    model = models[0] if models else platform.machine()
    return f"{os.cpu_count()} cores ({model}); {', '.join(m.version for m in results)}"


def row(page: Timing, total: Timing | None) -> list[object]:
    """A table row; milliseconds to a tenth."""
    cells = [
        page.label,
        fmt(page.p(50), 1),
        fmt(page.p(95), 1),
        fmt(max(page.ms), 1),
        percentile(page.rows, 50),
    ]
    if total is None:
        return [*cells, None, None, None]
    return [*cells, fmt(total.p(50), 1), fmt(total.p(95), 1), percentile(total.totals, 50)]


def section(m: Measured) -> list[str]:
    g = m.generated
    rows = g.members + g.tickets + g.events
    lines = [
        f"#### {m.version} ({m.where})",
        "",
        f"Generation: {g.members:,} members in {g.member_s:.1f} s; {g.tickets:,} tickets with {g.events:,} "
        f"timeline events in {g.ticket_s:.0f} s ({(g.tickets + g.events) / g.ticket_s:,.0f} rows/s); "
        f"{rows:,} rows in all, {m.size_mb:,.0f} MB on disk. Fresh database, migration and seed "
        f"{m.prepare_s:.1f} s" + (f"; VACUUM ANALYZE {m.analyze_s:.0f} s." if m.analyze_s else ".")
        + f" Load average (1 min) {m.load[0]:.2f} before the queries, {m.load[1]:.2f} after.",
        "",
        markdown_table(HEADERS, [row(page, total) for page, total in m.timings]),
    ]  # fmt: skip
    for label, plan in m.plans.items():
        lines += ["", f"Plan of the slowest `{label}` run:", "", "```", *plan, "```"]
    return lines


def report(results: Sequence[Measured], args: argparse.Namespace, started: datetime, load: float) -> str:
    """The markdown report of every database."""
    lines = [
        f"### benchmarks.tickets, {started:%Y-%m-%d %H:%M}",
        "",
        f"{machine_line(results)}; {args.tickets:,} tickets over {DAYS} days, {args.members:,} members, seed "
        f"{args.seed}; {args.repeat} runs per query (different values), first page of 25; load average "
        f"(1 min) {load:.2f} at the start. Milliseconds per search_tickets call in a fresh Session; "
        "*rows* is the median page length, *matches* the median total count; *+total*: the same values "
        "with with_total=True.",
    ]  # fmt: skip
    for measured in results:
        lines += ["", *section(measured)]
    return "\n".join(lines)
