"""Benchmark: the demo IVR flow (ARI) at rising call rates, against the same menu in pure dialplan.

    python -m benchmarks.ivr [--rates 20,40,60,80,100,120,140] [--step-seconds 10] [--hold 2]
                             [--pause 1.5] [--paths dialplan,ari] [--tries 2] [--refine 10] [--no-warmup]
                             [--no-spy] [--set NAME=VALUE ...]

Every caller is a Futian landline (075583..., so no district question) that presses 1 during the
language prompt (type-ahead: Mandarin, main menu 1 = family), 1 again during the family menu
(nanny), waits in the futian queue for --hold seconds (no agent) and hangs up. Paths, step by step
in one center:
  ari       the hotline number: Stasis -> ari_app runs hotline/ivr/demo.yaml (call row, routing,
            business hours at the fixed clock 2026-11-23 10:00 Monday, barge-in), then the ACD queue.
  dialplan  a benchmark-only number (site override of extensions.conf): Answer, Background() of the
            same prompt files + WaitExten, the same keys, Queue(futian) - no ARI, AGI or database.
DTMF-to-next-prompt latency comes from a spy ARI app (subscribeAll, event filter), see PromptSpy;
that app loads Asterisk (every event of every channel is queued for it), most on the ari path,
so capacity is judged with --no-spy and latency in a run below the knee. Queue entries are counted
from Asterisk's queue_log.

Needs root (Asterisk runs in a chroot). State in var/bench, ports 45xxx; everything is stopped at the end.
"""

from __future__ import annotations

import argparse
import logging
import math
import textwrap
from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import func, select

from benchmarks.cpu import CpuMeter
from benchmarks.harness import (
    LoadStep,
    StepResult,
    bench_center,
    bench_parser,
    center_pids,
    comma_list,
    extend_dialplan,
    fmt,
    is_root,
    markdown_table,
    percentile,
    progress,
    run_step,
)
from benchmarks.inbound import machine_line
from benchmarks.limits import first_failed, limit_rate, next_rung
from benchmarks.spy import SPY_APP, PromptSpy, SpyTally
from hotline import vocabulary as v
from hotline.db.models import Call
from hotline.settings import Settings
from hotline.testcenter import PrivateCenter

logger = logging.getLogger(__name__)

CLOCK = "2026-11-23T10:00:00+08:00"  # a Monday within Futian's hours (workdays 08:30-18:00)
PATHS = ("dialplan", "ari")
BASELINE_NUMBER = "10109398"
CALLER_PREFIX = "075583"  # Futian fixed lines
DIGITS = "1,1"
QUEUE = "futian"
CATEGORY = "family.nanny"
HEADERS = [
    "path", "rate/s", "try", "calls", "SIPp ok", "queued", "nanny rows", "failed", "samples",
    "p50 ms", "p95 ms", "p99 ms", "Asterisk %", "ari_app %", "agi %", "machine %", "Asterisk ms/call",
    "ari_app ms/call", "left",
]  # fmt: skip


def ivr_block(number: str) -> str:
    """The demo menu in dialplan: language (9 English, other keys answer the main menu), main, family."""
    return f"""
; ---- benchmark only (benchmarks/ivr.py): the demo menu in pure dialplan, no ARI, AGI or database.
[{{{{ v.CTX_FROM_CARRIER }}}}]
exten => {number},1,Goto(bench-ivr-language,s,1)

[bench-ivr-language]
exten => s,1,Answer()
 same => n,Background(hotline/welcome_language)
 same => n,WaitExten(3)
exten => 9,1,Set(CHANNEL(language)=en)
 same => n,Goto(bench-ivr-main,s,1)
exten => _[0-8*#],1,Goto(bench-ivr-main,${{EXTEN}},1)  ; type-ahead: the key answers the main menu
exten => t,1,Goto(bench-ivr-main,s,1)

[bench-ivr-main]
exten => s,1,Background(hotline/main_menu)
 same => n,WaitExten(5)
exten => 1,1,Goto(bench-ivr-family,s,1)
exten => _[02-6],1,Goto(bench-ivr-queue,s,1)
exten => i,1,Goto(s,1)
exten => t,1,Goto(s,1)

[bench-ivr-family]
exten => s,1,Background(hotline/family_menu)
 same => n,WaitExten(5)
exten => _[0-6],1,Goto(bench-ivr-queue,s,1)
exten => i,1,Goto(s,1)
exten => t,1,Goto(s,1)

[bench-ivr-queue]
exten => s,1,Queue({QUEUE},c)
 same => n,Hangup()
"""


def write_site_templates(settings: Settings) -> None:
    extend_dialplan(settings, ivr_block(BASELINE_NUMBER))


# ---- the spy ----------------------------------------------------------------------------------


def nanny_rows(center: PrivateCenter, caller: str) -> int:
    """Call rows of `caller` whose flow reached family.nanny and the futian queue."""
    query = select(func.count()).where(
        Call.caller_number == caller, Call.category_code == CATEGORY, Call.queue_name == QUEUE
    )
    with center.database.session() as session:
        return int(session.scalar(query) or 0)


def measure(
    center: PrivateCenter, meter: CpuMeter, spy: PromptSpy | NoSpy, step: LoadStep, attempt: int
) -> StepResult:
    """One step; a call counts as failed when SIPp failed it, it never entered Queue(futian) or (ari)
    it has no call row with category family.nanny."""
    spy.take()
    result = run_step(center, meter, step)
    tally = spy.take()
    queued = queue_entries(center, QUEUE, step.caller)
    rows = nanny_rows(center, step.caller) if step.flow == "ari" else None
    failed = max(result.failed, step.calls - queued, step.calls - rows if rows is not None else 0)
    clean = failed == 0 and result.left_channels == 0
    result.extra.update(attempt=attempt, tally=tally, queued=queued, rows=rows, failed=failed, clean=clean)
    return result


def queue_entries(center: PrivateCenter, queue: str, caller: str) -> int:
    """Calls from `caller` that entered `queue`: ENTERQUEUE lines of Asterisk's queue_log
    (time|call|queue|agent|ENTERQUEUE|url|caller id|position)."""
    path = center.runtime.queue_log_path()
    if not path.exists():
        return 0
    count = 0
    for line in path.read_text(errors="replace").splitlines():
        fields = line.split("|")
        if len(fields) >= 7 and fields[2] == queue and fields[4] == "ENTERQUEUE" and fields[6] == caller:
            count += 1
    return count


class NoSpy:
    """--no-spy: no latency samples, and no subscribeAll app loading Asterisk."""

    closed_early: str | None = None
    untimed = 0

    def __enter__(self) -> NoSpy:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def take(self) -> SpyTally:
        return SpyTally()


def run_all(center: PrivateCenter, spy: PromptSpy | NoSpy, args: argparse.Namespace) -> list[StepResult]:
    meter = CpuMeter(center_pids(center))
    numbers = {"dialplan": BASELINE_NUMBER, "ari": center.settings.hotline_numbers[0]}
    serial = iter(range(1, 10_000))

    def step(path: str, rate: float, seconds: float) -> LoadStep:
        caller = f"{CALLER_PREFIX}{next(serial):04d}{PATHS.index(path):02d}"
        return LoadStep(path, numbers[path], rate, seconds, args.hold, caller, None, DIGITS, 2.0, args.pause)

    if not args.no_warmup:
        for path in args.paths:
            warm = measure(center, meter, spy, step(path, 2, 2), 0)
            if not warm.extra["clean"]:
                progress(f"{path}: warm-up calls were not clean ({warm.extra['failed']} failed)")
    results: list[StepResult] = []

    def attempt_rate(path: str, rate: float) -> None:
        for attempt in range(1, args.tries + 1):
            result = measure(center, meter, spy, step(path, rate, args.step_seconds), attempt)
            results.append(result)
            if result.extra["clean"]:
                return
            progress(f"{path} at {rate:g}/s: {result.extra['failed']} failed, {result.left_channels} left")

    for rate in args.rates:
        for path in args.paths:
            if first_failed(results, path) is None:
                attempt_rate(path, rate)
    # Between each path's highest clean rate and its lowest failed one, rungs of --refine calls/s,
    # the paths still taking turns: the limit is found to within --refine, not the ladder's spacing.
    while pending := [(path, rung) for path in args.paths if (rung := next_rung(results, path, args.refine))]:
        for path, rung in pending:
            attempt_rate(path, rung)
    return results


# ---- report -----------------------------------------------------------------------------------


def latencies(result: StepResult) -> list[float]:
    return cast(SpyTally, result.extra["tally"]).latencies_ms


def row(result: StepResult) -> list[object]:
    x, usage, lat = result.extra, result.usage, latencies(result)
    return [
        result.step.flow, fmt(result.step.rate), x["attempt"], result.attempted, result.successful,
        x["queued"], fmt(x["rows"]), x["failed"], len(lat),
        fmt(percentile(lat, 50)), fmt(percentile(lat, 95)), fmt(percentile(lat, 99)),
        fmt(usage.pct("asterisk")), fmt(usage.pct("ari_app")), fmt(usage.pct("agi")),
        fmt(usage.machine_pct), fmt(result.cpu_ms_per_call("asterisk"), 1),
        fmt(result.cpu_ms_per_call("ari_app"), 1), result.left_channels,
    ]  # fmt: skip


def best(results: Sequence[StepResult], path: str) -> StepResult | None:
    """The clean step of `path` at its limit rate (see limit_rate)."""
    rate = limit_rate(results, path)
    clean = [r for r in results if r.step.flow == path and r.extra["clean"] and r.step.rate == rate]
    return clean[-1] if clean else None


def summary(results: Sequence[StepResult], args: argparse.Namespace) -> list[str]:
    lines, rates = [], {}
    for path in args.paths:
        top = best(results, path)
        rates[path] = top.step.rate if top else math.nan
        if top is None:
            lines.append(f"- {path}: no clean step")
            continue
        lat = latencies(top)
        pcts = "/".join(fmt(percentile(lat, q)) for q in (50, 95, 99))
        limit = "" if first_failed(results, path) is not None else " (no limit found)"
        lines.append(f"- {path}: {top.step.rate:g} calls/s with 0 failed calls{limit}; there DTMF->prompt "
                     f"p50/p95/p99 {pcts} ms")  # fmt: skip
    if set(PATHS) <= set(args.paths):
        ratio = rates["ari"] / rates["dialplan"] if rates["dialplan"] > 0 else math.nan
        verdict = "met" if ratio >= 0.9 else "NOT met"
        lines.append(f"- ratio ari/dialplan: {fmt(ratio, 2)} (target >= 0.9: {verdict})")
        if first_failed(results, "dialplan") is None:
            lines.append(
                "  (the dialplan passed the highest rate tried: its limit is higher, the true ratio lower)"
            )
    return lines


def log_counts(center: PrivateCenter) -> str:
    """WARNING and ERROR lines of ari_app.log and agi.log over the whole run."""
    parts = []
    for name in ("ari_app", "agi"):
        try:
            text = (center.settings.log_dir / f"{name}.log").read_text(errors="replace")
        except OSError:
            continue
        counts = {level: text.count(f" {level} ") for level in ("WARNING", "ERROR", "CRITICAL")}
        parts.append(f"{name}.log " + ", ".join(f"{n} {lvl}" for lvl, n in counts.items()))
    return "; ".join(parts)


def report(
    results: Sequence[StepResult], args: argparse.Namespace, started: datetime, notes: list[str]
) -> str:
    lines = [
        f"## benchmarks.ivr, {started:%Y-%m-%d %H:%M}",
        "",
        *notes,
        textwrap.fill(
            f"{fmt(args.step_seconds)} s of calls per step; keys {DIGITS} (',' = {args.pause:g} s) 2 s after "
            f"the answer, then {args.hold:g} s in the queue. failed: SIPp failed the call, it never entered "
            "Queue(futian) before hanging up (queue_log ENTERQUEUE), or (ari) it has no family.nanny call "
            "row. "
            + (
                "No DTMF->prompt figures (--no-spy)."
                if args.no_spy
                else "DTMF->prompt, a sample per call: Asterisk's timestamps from the end of key 1 "
                "(ChannelDtmfReceived) to the start of the family menu it leads to (ari PlaybackStarted, "
                f"dialplan ChannelDialplan BackGround), seen by the spy ARI app {SPY_APP} (subscribeAll, "
                "event filter)."
            ),  # fmt: skip
            100,
        ),
        "",
        markdown_table(HEADERS, [row(r) for r in results]),
        "",
        f"Highest rate with 0 failed calls, every lower rate tried too (--tries {args.tries} per rate, "
        f"--refine {args.refine:g}):",
        *summary(results, args),
    ]
    return "\n".join(lines)


def center_settings(pairs: Sequence[str]) -> dict[str, str]:
    """`--set name=value` options as the center's HOTLINE_* environment."""
    env = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise SystemExit(f"--set {pair!r}: expected NAME=VALUE")
        env["HOTLINE_" + name.strip().upper()] = value.strip()
    return env


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = bench_parser(
        "python -m benchmarks.ivr", __doc__, rates="20,40,60,80,100,120,140", step_seconds=10.0, hold=2.0,
        hold_help="seconds a caller waits in the queue after the keys",
    )  # fmt: skip
    parser.add_argument("--pause", type=float, default=1.5, help="seconds between the two keys")
    parser.add_argument("--paths", default=",".join(PATHS), help="dialplan, ari or both")
    parser.add_argument("--tries", type=int, default=2, help="attempts per rate before giving a path up")
    parser.add_argument(
        "--refine",
        type=float,
        default=10.0,
        help="after the ladder: rungs of this many calls/s between a path's limit and failed rate (0: none)",
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="the center's database (postgresql: a fresh hotline_bench on 127.0.0.1)",
    )
    parser.add_argument(
        "--no-spy",
        action="store_true",
        help="no DTMF->prompt figures: the latency spy's subscribeAll app costs Asterisk work",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a center setting for this run, e.g. ari_rest_over_websocket=false (repeatable)",
    )
    args = parser.parse_args(argv)
    args.rates, args.paths = [float(r) for r in comma_list(args.rates)], comma_list(args.paths)
    if not args.rates or min(args.rates) <= 0 or not args.paths or not set(args.paths) <= set(PATHS):
        parser.error(f"--rates must be positive numbers and --paths among {', '.join(PATHS)}")
    if args.tries < 1 or args.refine < 0:
        parser.error("--tries must be at least 1 and --refine not negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not is_root():
        return 2
    started = datetime.now()
    env = {"HOTLINE_CLOCK": CLOCK, **center_settings(args.set)}
    with bench_center(prepare=write_site_templates, env=env, database=args.database) as center:
        shown = center.cli(f"dialplan show {BASELINE_NUMBER}@{v.CTX_FROM_CARRIER}")
        if "bench-ivr-language" not in shown:
            raise RuntimeError(f"the dialplan menu is not in the dialplan:\n{shown}")
        with NoSpy() if args.no_spy else PromptSpy(center.settings) as spy:
            results = run_all(center, spy, args)
        spy_state = f"closed early ({spy.closed_early})" if spy.closed_early else "open throughout"
        spy_state = "off (--no-spy)" if args.no_spy else spy_state
        notes = [
            f"{machine_line(center)}; center clock {CLOCK}; spy WebSocket {spy_state}, "
            f"{spy.untimed} events without timestamp. {log_counts(center)}.",
            "",
        ]
    print(report(results, args, started, notes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
