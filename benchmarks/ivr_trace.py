"""Benchmark diagnostics: one step of benchmarks.ivr's calls, followed second by second.

    python -m benchmarks.ivr_trace [--path ari|dialplan] [--rate 120] [--step-seconds 10] [--hold 2]
                                   [--set NAME=VALUE ...]

benchmarks.ivr says how far each path goes; this says where the time goes on the way. One center,
four warm-up calls, then one step of the same callers and keys, and it prints:
  - every second: Asterisk's channels, and the CPU of Asterisk, ari_app, agi and the whole machine;
  - per hundred calls, in seconds from the step's first channel, when they reached each stage (median):
    the channel created (its id), answered (SIPp's 200 OK), the call row written (ari), the queue
    entered (queue_log ENTERQUEUE), BYE sent (SIPp), the caller gone (ABANDON: Asterisk saw the
    hang-up), the row closed (ari);
  - CPU per call of each thread of ari_app and agi, and of SIPp;
  - messages per call through Asterisk's task queues (`core show taskprocessors`): a queue past its
    high-water mark makes PJSIP hold new calls back.
Needs root; state in var/bench, ports 45xxx, as benchmarks.ivr.
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from benchmarks import ivr
from benchmarks.cpu import CpuMeter, machine_cpu_s, process_cpu_s, thread_cpu_s
from benchmarks.harness import (
    LoadStep,
    active_channels,
    bench_center,
    center_pids,
    markdown_table,
    progress,
    ready_to_run,
    run_step,
)
from hotline.acd import queuelog
from hotline.db.models import Call
from hotline.sipp.process import SippEvent
from hotline.testcenter import PrivateCenter

STAGES = ("created", "answered", "row written", "queued", "BYE sent", "gone", "row closed")


class Sampler:
    """Once a second, in a thread: channels, CPU % of each process and of the machine."""

    def __init__(self, center: PrivateCenter, pids: dict[str, int]) -> None:
        self.center, self.pids = center, pids
        self.rows: list[list[object]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        start = last = time.monotonic()
        cpu = {name: process_cpu_s(pid) or 0.0 for name, pid in self.pids.items()}
        busy, total = machine_cpu_s()
        while not self._stop.wait(1.0):
            try:
                channels: object = active_channels(self.center, 5)
            except (RuntimeError, OSError):
                channels = "-"
            now, now_busy, now_total = time.monotonic(), *machine_cpu_s()
            now_cpu = {name: process_cpu_s(pid) or 0.0 for name, pid in self.pids.items()}
            wall = now - last
            row: list[object] = [f"{now - start:.1f}", channels]
            row += [f"{100 * (now_cpu[n] - cpu[n]) / wall:.0f}" for n in self.pids]
            row.append(f"{100 * (now_busy - busy) / max(now_total - total, 1e-9):.0f}")
            self.rows.append(row)
            last, cpu, busy, total = now, now_cpu, now_busy, now_total


def taskprocessors(center: PrivateCenter) -> dict[str, int]:
    """Messages processed so far per Asterisk task queue (instance suffixes folded together)."""
    counts: dict[str, int] = defaultdict(int)
    for line in center.cli("core show taskprocessors", 20).splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[1].isdigit():
            counts[re.sub(r"-[0-9a-f]{8}$", "", parts[0])] += int(parts[1])
    return counts


def queue_times(center: PrivateCenter, caller: str) -> dict[str, dict[str, float]]:
    """channel id -> {ENTERQUEUE: epoch s, ABANDON: ...} for `caller`'s calls, from queue_log."""
    times: dict[str, dict[str, float]] = defaultdict(dict)
    callers: dict[str, str] = {}
    path = center.runtime.queue_log_path()
    for text in path.read_text(errors="replace").splitlines() if path.exists() else []:
        line = queuelog.parse_line(text)
        if line is None:
            continue
        if line.event == queuelog.ENTER and len(line.data) >= 2:  # ENTERQUEUE|url|caller id|position
            callers[line.callid] = line.data[1]
        times[line.callid].setdefault(line.event, line.at.timestamp())
    return {channel: verbs for channel, verbs in times.items() if callers.get(channel) == caller}


def sipp_times(events: Sequence[SippEvent], started: float) -> list[tuple[float | None, float | None]]:
    """(200 OK received, BYE sent) per call in the order SIPp placed them, as epoch seconds (SIPp's
    clock counts from its start, `started`)."""
    ticks: dict[str, dict[str, float]] = defaultdict(dict)
    for e in events:
        if e.fields and e.event in ("invite", "ok", "bye"):
            ticks[e.call_id][e.event] = started + float(e.fields[0]) / 1000
    ordered = sorted(ticks.values(), key=lambda t: t.get("invite", math.inf))
    return [(t.get("ok"), t.get("bye")) for t in ordered]


def stage_rows(
    center: PrivateCenter, caller: str, rate: float, sipp: list[tuple[float | None, float | None]]
) -> list[list[object]]:
    """Per hundred calls (channels and SIPp's calls each in the order they were placed): the median
    second each stage was reached."""
    queued = queue_times(center, caller)
    with center.database.session() as session:
        rows = session.execute(
            select(Call.channel_id, Call.entered_at, Call.ended_at).where(Call.caller_number == caller)
        ).all()
    # UTCDateTime columns come back aware
    db = {str(ch): (entered.timestamp(), ended.timestamp() if ended else None) for ch, entered, ended in rows}
    # every call the step made: queued ones from queue_log, and (ari) those with a row that never queued
    placed = set(queued) | {ch for ch in db if re.fullmatch(r"\d+\.\d+", ch)}
    channels = sorted(placed, key=lambda ch: tuple(int(p) for p in ch.split(".")))
    if not channels:
        return []
    t0 = min(int(ch.split(".")[0]) for ch in channels)
    table: list[list[object]] = []
    for first in range(0, len(channels), 100):
        chunk = channels[first : first + 100]
        stages: list[list[float]] = [[] for _ in STAGES]
        for index, ch in enumerate(chunk, first):
            entered, ended = db.get(ch, (None, None))
            answered, bye = sipp[index] if index < len(sipp) else (None, None)
            verbs = queued.get(ch, {})
            created = int(ch.split(".")[0])
            values = (created, answered, entered, verbs.get("ENTERQUEUE"), bye, verbs.get("ABANDON"), ended)
            for i, value in enumerate(values):
                if value is not None:
                    stages[i].append(value - t0)
        cells = [f"{statistics.median(s):.1f}" if s else "-" for s in stages]
        table.append([f"{first}-{first + len(chunk) - 1}", f"{first / rate:.1f}", *cells])
    return table


def per_call(before: dict[str, float], after: dict[str, float], calls: int) -> str:
    used = {k: 1000 * (v - before.get(k, 0.0)) / calls for k, v in after.items()}
    return ", ".join(f"{k} {v:.2f}" for k, v in sorted(used.items()) if v >= 0.01) or "-"


def busiest_threads(before: dict[str, float], after: dict[str, float], calls: int, top: int = 6) -> str:
    """The threads that used the most CPU, in ms per call (× rate / 1000 = the share of a core it took):
    a long-lived thread near a whole core would be a bottleneck."""
    used = sorted(((v - before.get(k, 0.0), k) for k, v in after.items()), reverse=True)[:top]
    return ", ".join(f"{k.split()[0]} {1000 * v / calls:.2f}" for v, k in used)


def trace(center: PrivateCenter, args: argparse.Namespace) -> list[str]:
    pids = center_pids(center)
    meter = CpuMeter(pids)
    number = ivr.BASELINE_NUMBER if args.path == "dialplan" else center.settings.hotline_numbers[0]

    def step(rate: float, seconds: float, serial: int) -> LoadStep:
        caller = f"{ivr.CALLER_PREFIX}{serial:04d}88"
        keys = (ivr.DIGITS, 2.0, args.pause)
        return LoadStep(args.path, number, rate, seconds, args.hold, caller, None, *keys)

    run_step(center, meter, step(2, 2, 1))  # warm-up
    load = step(args.rate, args.step_seconds, 2)
    queues, threads = taskprocessors(center), {n: thread_cpu_s(pids[n]) for n in pids}
    with Sampler(center, pids) as sampler:
        sipp_started = time.time()
        result = run_step(center, meter, load)
    calls = max(result.attempted, 1)
    stages = stage_rows(center, load.caller, args.rate, sipp_times(result.sipp.events, sipp_started))
    queues_after = taskprocessors(center)
    messages = sorted(((queues_after[k] - queues.get(k, 0)) / calls, k) for k in queues_after)
    lines = [
        f"## benchmarks.ivr_trace, {datetime.now():%Y-%m-%d %H:%M}: {args.path}, {load.calls} calls at "
        f"{args.rate:g}/s, SIPp ok {result.successful}, {result.left_channels} channels left",
        "",
        markdown_table(["s", "channels", *[f"{n} %" for n in pids], "machine %"], sampler.rows),
        "",
        "Stages, median second from the step's first channel (queue_log has whole seconds):",
        "",
        markdown_table(["calls", "placed", *STAGES], stages),
        "",
        f"CPU ms per call: Asterisk {result.cpu_ms_per_call('asterisk'):.1f}, SIPp "
        f"{1000 * result.sipp_cpu_s / calls:.1f}; by thread:",
    ]
    for name in ("ari_app", "agi"):
        lines.append(f"- {name}: {per_call(threads[name], thread_cpu_s(pids[name]), calls)}")
    busiest = busiest_threads(threads["asterisk"], thread_cpu_s(pids["asterisk"]), calls)
    lines.append(f"- Asterisk's busiest threads (a channel's thread ends with its call): {busiest}")
    lines.append("Messages per call through Asterisk's task queues:")
    lines += [f"- {name}: {per:.1f}" for per, name in reversed(messages) if per >= 0.5]
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    summary = (__doc__ or "").split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ivr_trace", description=summary)
    parser.add_argument("--path", choices=ivr.PATHS, default="ari")
    parser.add_argument("--rate", type=float, default=120.0, help="calls per second")
    parser.add_argument("--step-seconds", type=float, default=10.0, help="seconds of calls")
    parser.add_argument("--hold", type=float, default=2.0, help="seconds in the queue after the keys")
    parser.add_argument("--pause", type=float, default=1.5, help="seconds between the two keys")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a center setting for this run (repeatable)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.step_seconds <= 0:
        parser.error("--rate and --step-seconds must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not ready_to_run():
        return 2
    env = {"HOTLINE_CLOCK": ivr.CLOCK, **ivr.center_settings(args.set)}
    with bench_center(prepare=ivr.write_site_templates, env=env) as center:
        progress(f"tracing {args.path} at {args.rate:g}/s")
        lines = trace(center, args)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
