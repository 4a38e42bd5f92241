"""Benchmark harness: a private center on ports 45xxx, CPU time from /proc, SIPp load steps, result tables.

Benchmarks run on demand (`python -m benchmarks.<name>`), never under pytest: speed targets live here.

    with bench_center(prepare=write_site_templates) as center:
        meter = CpuMeter(center_pids(center))
        step = LoadStep(flow="ari", number="10109366", rate=20, seconds=15, hold_s=3, caller="13900000001")
        result = run_step(center, meter, step)
        result.successful, result.p(95), result.usage.pct("asterisk"), result.cpu_ms_per_call("ari_app")
    print(markdown_table(["rate", "ok"], [[20, result.successful]]))
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.cpu import CpuMeter, CpuUsage, children_cpu_s
from dialplan.render import PACKAGED, site_templates
from hotline.asterisk.process import daemon_pids
from hotline.db.models import Call
from hotline.settings import Settings
from hotline.sipp.process import SippEvent, SippResult
from hotline.sipp.runner import start_call
from hotline.supervisor import until
from hotline.testcenter import REPO, SERVICES, PortSettings, PrivateCenter, center_env, private_center

logger = logging.getLogger(__name__)

BENCH_HOME = REPO / "var" / "bench"
BENCH_BASE = 45000  # SIP 45060, HTTP 45088, AMI 45038, AGI 45073, console 45050
BENCH_RTP = (46000, 49999)
SIPP_PORTS = {  # SIPp's own ports, away from a test run's (defaults 5071/5200/30000)
    "HOTLINE_SIPP_AGENT_PORT": "45100",
    "HOTLINE_SIPP_CALLER_PORT": "45200",
    "HOTLINE_SIPP_MEDIA_PORT": "44000",
}
SCENARIO = Path(__file__).parent / "scenarios" / "bench-call.xml.jinja"
DRAIN_S = 20.0
HANGUP_ALL_S = 120.0  # hanging up what a step left


def progress(message: str) -> None:
    """A progress line on stderr (the tables go to stdout)."""
    print(f"==> {message}", file=sys.stderr, flush=True)


def ready_to_run() -> bool:
    """A benchmark's start: warnings to stderr; False (said) unless root, as Asterisk runs in a chroot."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return is_root()


def is_root() -> bool:
    """True as root; otherwise says on stderr why a benchmark needs it."""
    if os.geteuid() == 0:
        return True
    progress("needs root: Asterisk runs in a chroot with /proc and /dev mounted")
    return False


def bench_parser(
    prog: str, doc: str | None, *, rates: str, step_seconds: float, hold: float, hold_help: str
) -> argparse.ArgumentParser:
    """A command line with the options every load benchmark has (the defaults given):
    --rates (comma-separated text; see comma_list), --step-seconds, --hold, --no-warmup."""
    parser = argparse.ArgumentParser(prog=prog, description=(doc or "").split("\n")[0])
    parser.add_argument("--rates", default=rates, help="calls per second, one step each")
    parser.add_argument("--step-seconds", type=float, default=step_seconds, help="seconds of calls per step")
    parser.add_argument("--hold", type=float, default=hold, help=hold_help)
    parser.add_argument("--no-warmup", action="store_true", help="skip the unreported warm-up calls")
    return parser


def comma_list(text: str) -> list[str]:
    """Command-line lists: "a, b,,c" -> ["a", "b", "c"]."""
    return [part.strip() for part in text.split(",") if part.strip()]


class BenchSettings(PortSettings):
    """A benchmark center's settings (its SIPp port bases set apart by bench_env)."""


def bench_env(home: Path = BENCH_HOME) -> dict[str, str]:
    """The benchmark center's environment: state in var/bench, ports from 45000, RTP 46000-49999."""
    return {**center_env(home, BENCH_BASE, rtp=BENCH_RTP), **SIPP_PORTS}


@contextmanager
def bench_center(
    prepare: Callable[[Settings], None] | None = None,
    env: Mapping[str, str] | None = None,
    database: str = "sqlite",
    services: Sequence[str] = SERVICES,
) -> Iterator[PrivateCenter]:
    """A fresh private center (Asterisk, agi, ari_app) for a benchmark; stopped and unmounted on exit.

    `env` adds to (or overrides) bench_env(), e.g. {"HOTLINE_CLOCK": ...} for the business-hours branch.
    `database`: "sqlite" (in the state directory) or "postgresql" (a fresh database `hotline_bench` on
    the server HOTLINE_BENCH_PG_ADMIN_URL names, by default postgres@127.0.0.1:5432).
    """
    full = {**bench_env(), **(env or {})}
    url = fresh_postgres if database == "postgresql" else None
    with private_center(full, prepare=prepare, settings_cls=BenchSettings, progress=progress,
                        database_url=url, services=services) as c:  # fmt: skip
        seat_absent_agents(c)
        yield c


def seat_absent_agents(center: PrivateCenter) -> None:
    """Log every agent in, with no phone registered: each queue then has (unavailable) members, so
    callers wait in it as the benchmarks measure, instead of leaving a message (nobody logged in)."""
    listed = center.hotline("agents", "list", "--json")
    if listed.returncode != 0:
        raise RuntimeError(f"hotline agents list failed: {listed.stderr.strip()}")
    for agent in json.loads(listed.stdout):
        done = center.hotline("agent", "login", agent["name"])
        if done.returncode != 0:
            raise RuntimeError(f"hotline agent login {agent['name']} failed: {done.stderr.strip()}")


def fresh_postgres(_home: Path, name: str = "hotline_bench") -> str:
    """An empty PostgreSQL database `name` (dropped first if it exists); its URL."""
    import psycopg
    from psycopg import sql

    admin = os.environ.get("HOTLINE_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{admin.rsplit('/', 1)[0]}/{name}"


def extend_dialplan(settings: Settings, block: str) -> None:
    """Site override: the packaged extensions.conf template plus `block` (packaged file untouched).

    Use as (part of) bench_center's `prepare`; a `[from-carrier]` section in `block` is merged by
    Asterisk into the context of the same name.
    """
    target = site_templates(settings) / "extensions.conf.jinja"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text((PACKAGED / "extensions.conf.jinja").read_text() + block)


def center_pids(center: PrivateCenter) -> dict[str, int]:
    """The processes a benchmark measures: the Asterisk daemon and every started service."""
    pids = {"asterisk": daemon_pids(center.runtime)[0]}
    for name, service in center.services.items():
        pid = service.pid()
        if pid is not None:
            pids[name] = pid
    return pids


# ---- the center's state ------------------------------------------------------------------------


def active_channels(center: PrivateCenter, timeout: float = 10) -> int:
    match = re.search(r"(\d+) active channels?", center.cli("core show channels count", timeout))
    if match is None:
        raise RuntimeError("cannot read Asterisk's channel count")
    return int(match.group(1))


def drain(center: PrivateCenter, timeout: float = DRAIN_S) -> int:
    """Wait until Asterisk has no channel; hang up what is left after `timeout`; returns how many were."""
    if until(lambda: active_channels(center) == 0, timeout, 0.5):
        return 0
    left = active_channels(center)
    logger.warning("%d channels still up %.0f s after the step; hanging them up", left, timeout)
    # An overloaded Asterisk (a step past its limit) can take a minute to hang up a thousand channels
    # and answer its CLI meanwhile: the next step waits for that instead of the run failing.
    center.cli("channel request hangup all", HANGUP_ALL_S)
    until(lambda: active_channels(center, HANGUP_ALL_S) == 0, HANGUP_ALL_S, 0.5)
    return left


def call_rows(center: PrivateCenter, caller: str) -> dict[str, int]:
    """Call rows of `caller`: how many per `via` (ari, failopen), and "closed" (ended_at set)."""
    query = (
        select(Call.via, func.count(), func.count(Call.ended_at))
        .where(Call.caller_number == caller)
        .group_by(Call.via)
    )
    with center.database.session() as session:
        rows = session.execute(query).all()
    counts = {str(via): int(n) for via, n, _ in rows}
    counts["closed"] = sum(int(closed) for _, _, closed in rows)
    return counts


def ari_reconnects(center: PrivateCenter) -> int | None:
    """ari_app's reconnect counter from its status file (None if it has not written one)."""
    try:
        data = json.loads((center.settings.run_dir / "ari_app.json").read_text())
    except (OSError, ValueError):
        return None
    value = data.get("reconnects")
    return int(value) if value is not None else None


# ---- load steps --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadStep:
    """`rate` calls per second for `seconds` to `number`; each caller hangs up `hold_s` after the answer."""

    flow: str
    number: str
    rate: float
    seconds: float
    hold_s: float
    caller: str
    audio: Path | None = None  # None: callers send no RTP (Asterisk still sends them the prompt)
    digits: str = ""  # RFC 4733 keys after `delay_s`; "," pauses `pause_s` (hold_s counts after them)
    delay_s: float = 0.0
    pause_s: float = 1.5

    @property
    def calls(self) -> int:
        return max(1, round(self.rate * self.seconds))


def answer_latencies_ms(events: Sequence[SippEvent]) -> list[float]:
    """INVITE sent -> 200 OK received, per call, from the bench scenario's `invite` and `ok` clock logs."""
    sent = {e.call_id: float(e.fields[0]) for e in events if e.event == "invite" and e.fields}
    return [
        float(e.fields[0]) - sent[e.call_id]
        for e in events
        if e.event == "ok" and e.fields and e.call_id in sent
    ]


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)]


@dataclass
class StepResult:
    """What one load step did: SIPp's counters, answer latencies and the CPU each process used."""

    step: LoadStep
    sipp: SippResult
    latencies_ms: list[float]
    usage: CpuUsage
    sipp_cpu_s: float
    left_channels: int
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def attempted(self) -> int:
        return self.sipp.created

    @property
    def successful(self) -> int:
        return self.sipp.successful

    @property
    def failed(self) -> int:
        """Planned calls that did not complete: failed, cut short when SIPp was stopped, or never placed."""
        return max(self.step.calls - self.successful, 0)

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def cpu_ms_per_call(self, name: str) -> float:
        return 1000 * self.usage.cpu_s.get(name, math.nan) / self.attempted if self.attempted else math.nan


def run_step(center: PrivateCenter, meter: CpuMeter, step: LoadStep, drain_s: float = DRAIN_S) -> StepResult:
    """Place the step's calls with one SIPp instance, wait for them and for Asterisk to be idle again.

    CPU is measured from just before SIPp starts until Asterisk has no channel left, so the work of the
    last hang-ups (StasisEnd, hang-up handler, call row closed) is counted too.
    """
    progress(f"{step.flow}: {step.calls} calls at {step.rate:g}/s, hold {step.hold_s:g} s")
    children = children_cpu_s()
    before = meter.sample()
    proc = start_call(
        center.settings,
        caller=step.caller,
        to=step.number,
        calls=step.calls,
        rate=step.rate,
        hold_s=step.hold_s,
        delay_s=step.delay_s,
        digits=step.digits,
        pause_s=step.pause_s,
        scenario=SCENARIO,
        audio=step.audio,
    )
    sipp = proc.wait()
    sipp_cpu = children_cpu_s() - children
    left = drain(center, drain_s)
    usage = meter.usage(before, meter.sample())
    if not sipp.ok:
        progress(sipp.summary() + f" (SIPp files kept in {sipp.workdir})")
    return StepResult(step, sipp, answer_latencies_ms(sipp.events), usage, sipp_cpu, left)


# ---- output ------------------------------------------------------------------------------------


def fmt(value: object, digits: int = 0) -> str:
    """A table cell: floats rounded to `digits`, NaN and None as "-"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table; every column but the first is right-aligned."""
    cells = [[str(h) for h in headers], *[[fmt(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    rule = ["-" * widths[0]] + ["-" * (w - 1) + ":" for w in widths[1:]]

    def line(row: Sequence[str]) -> str:
        padded = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        return "| " + " | ".join(padded) + " |"

    return "\n".join([line(cells[0]), line(rule), *[line(r) for r in cells[1:]]])
