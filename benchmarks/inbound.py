"""Benchmark: the walking-skeleton inbound path at rising call rates, against a pure-dialplan baseline.

    python -m benchmarks.inbound [--rates 10,20,40,80] [--step-seconds 15] [--hold 3] [--flows dialplan,ari]

Flows (both run in the same center, step by step, so they see the same machine):
  ari       the hotline number: hang-up handler, Stasis(hotline,inbound) -> ari_app answers, writes the
            call row, starts the welcome prompt; the caller hangs up after --hold seconds (during the
            prompt), ari_app sees it leave, the hang-up handler closes the row through FastAGI.
  dialplan  a benchmark-only number (site override of extensions.conf): Answer, Playback(welcome),
            Hangup - no ARI, no AGI, no database. The physical limit the ARI path should approach.

Needs root (Asterisk runs in a chroot). State in var/bench, ports 45xxx; everything is stopped at the end.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import platform
import subprocess
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from benchmarks.cpu import CpuMeter
from benchmarks.harness import (
    LoadStep,
    StepResult,
    ari_reconnects,
    bench_center,
    call_rows,
    center_pids,
    fmt,
    markdown_table,
    progress,
    ready_to_run,
    run_step,
)
from dialplan.render import PACKAGED, site_templates
from hotline import vocabulary as v
from hotline.settings import Settings
from hotline.testcenter import PrivateCenter

logger = logging.getLogger(__name__)

BASELINE_NUMBER = "10109399"
FLOWS = ("dialplan", "ari")
COLLAPSED = 0.5  # a flow whose step failed more than this share of calls is not pushed harder
HEADERS = [
    "flow",
    "rate/s",
    "calls",
    "ok",
    "failed",
    "200 p50 ms",
    "200 p95 ms",
    "Asterisk %",
    "ari_app %",
    "agi %",
    "SIPp %",
    "machine %",
    "Asterisk ms/call",
    "ari_app ms/call",
    "agi ms/call",
    "rows ari/failopen/closed",
    "ARI reconnects",
    "left",
]


def baseline_block(number: str, prompt: str) -> str:
    """Dialplan appended to extensions.conf: `number` from the carrier plays the prompt, no ARI or AGI."""
    return "\n".join(
        [
            "",
            "; ---- benchmark only (benchmarks/inbound.py): the pure-dialplan baseline,"
            " no ARI, AGI or database.",
            "; Asterisk merges this second section into the context of the same name above.",
            "[{{ v.CTX_FROM_CARRIER }}]",
            f"exten => {number},1,Answer()",
            f" same => n,Playback(hotline/{prompt})",
            " same => n,Hangup()",
            "",
        ]
    )


def write_site_templates(settings: Settings) -> None:
    """Site override: the packaged extensions.conf template plus the baseline (packaged file untouched)."""
    target = site_templates(settings) / "extensions.conf.jinja"
    target.parent.mkdir(parents=True, exist_ok=True)
    packaged = (PACKAGED / "extensions.conf.jinja").read_text()
    target.write_text(packaged + baseline_block(BASELINE_NUMBER, settings.welcome_prompt))


def check_baseline(center: PrivateCenter) -> None:
    shown = center.cli(f"dialplan show {BASELINE_NUMBER}@{v.CTX_FROM_CARRIER}")
    if "Playback" not in shown:
        raise RuntimeError(f"the baseline extension is not in the dialplan:\n{shown}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inbound", description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="10,20,40,80", help="calls per second, one step each")
    parser.add_argument("--step-seconds", type=float, default=15.0, help="how long calls are placed per step")
    parser.add_argument("--hold", type=float, default=3.0, help="seconds a caller stays after the answer")
    parser.add_argument("--flows", default=",".join(FLOWS), help="dialplan, ari or both")
    parser.add_argument("--max-p95-ms", type=float, default=500.0, help="answer latency bound of the summary")
    parser.add_argument("--no-warmup", action="store_true", help="skip the 5 unreported calls per flow")
    args = parser.parse_args(argv)
    args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    args.flows = [f.strip() for f in args.flows.split(",") if f.strip()]
    if not args.rates or min(args.rates) <= 0 or not args.flows or not set(args.flows) <= set(FLOWS):
        parser.error(f"--rates must be positive numbers and --flows among {', '.join(FLOWS)}")
    return args


def measure(center: PrivateCenter, meter: CpuMeter, step: LoadStep) -> StepResult:
    """One step, plus the ARI path's own evidence: call rows per `via` and ARI reconnects."""
    reconnects = ari_reconnects(center)
    result = run_step(center, meter, step)
    rows = call_rows(center, step.caller)
    result.extra["rows"] = rows
    after = ari_reconnects(center)
    result.extra["reconnects"] = after - reconnects if after is not None and reconnects is not None else None
    result.extra["clean"] = (
        result.failed == 0
        and result.left_channels == 0
        and (
            step.flow != "ari"
            or (rows.get(v.VIA_FAILOPEN, 0) == 0 and rows.get(v.VIA_ARI, 0) == rows["closed"] == step.calls)
        )
    )
    return result


def run_all(center: PrivateCenter, args: argparse.Namespace) -> list[StepResult]:
    meter = CpuMeter(center_pids(center))
    numbers = {"dialplan": BASELINE_NUMBER, "ari": center.settings.hotline_numbers[0]}
    if not args.no_warmup:
        for flow in args.flows:
            run_step(center, meter, LoadStep(flow, numbers[flow], 5, 1, args.hold, "13900000000"))
    results: list[StepResult] = []
    given_up: set[str] = set()
    for index, rate in enumerate(args.rates, start=1):
        for flow in args.flows:
            if flow in given_up:
                continue
            caller = f"139{index:04d}{FLOWS.index(flow):04d}"
            result = measure(
                center, meter, LoadStep(flow, numbers[flow], rate, args.step_seconds, args.hold, caller)
            )
            results.append(result)
            if result.failed > COLLAPSED * result.step.calls:
                progress(f"{flow}: {result.failed} of {result.step.calls} calls failed; no higher rate")
                given_up.add(flow)
    return results


def row(result: StepResult) -> list[object]:
    usage, rows = result.usage, result.extra.get("rows", {})
    assert isinstance(rows, dict)
    ari = result.step.flow == "ari"
    counts = [rows.get(v.VIA_ARI, 0), rows.get(v.VIA_FAILOPEN, 0), rows.get("closed", 0)]
    row_text = "/".join(map(str, counts)) if ari else "-"
    return [
        result.step.flow,
        fmt(result.step.rate),
        result.attempted,
        result.successful,
        result.failed,
        fmt(result.p(50)),
        fmt(result.p(95)),
        fmt(usage.pct("asterisk")),
        fmt(usage.pct("ari_app")),
        fmt(usage.pct("agi")),
        fmt(100 * result.sipp_cpu_s / usage.wall_s),
        fmt(usage.machine_pct),
        fmt(result.cpu_ms_per_call("asterisk"), 2),
        fmt(result.cpu_ms_per_call("ari_app"), 2),
        fmt(result.cpu_ms_per_call("agi"), 2),
        row_text,
        fmt(result.extra.get("reconnects") if ari else None),
        result.left_channels,
    ]


def best_rate(results: Sequence[StepResult], flow: str, max_p95_ms: float = math.inf) -> float:
    """The highest rate of `flow` whose step, and every lower one, was clean with 200 OK p95 <= max_p95_ms."""
    best = math.nan
    for result in (r for r in results if r.step.flow == flow):
        if not result.extra.get("clean") or not result.p(95) <= max_p95_ms:
            break
        best = result.step.rate
    return best


def _rate(rate: float) -> str:
    return "no step" if math.isnan(rate) else f"{rate:g} calls/s"


def summary(results: Sequence[StepResult], flows: Sequence[str], max_p95_ms: float) -> list[str]:
    lines = []
    for flow in flows:
        clean, fast = (_rate(best_rate(results, flow, bound)) for bound in (math.inf, max_p95_ms))
        lines.append(
            f"- {flow}: {clean} with no failure; {fast} with no failure and 200 OK p95 <= {max_p95_ms:g} ms"
        )
    return lines


def machine_line(center: PrivateCenter) -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    models = [x.split(":", 1)[1].strip() for x in cpuinfo if x.startswith("model name")]
    model = models[0] if models else platform.machine()
    sipp = subprocess.run(["sipp", "-v"], capture_output=True, text=True).stdout.strip().split("\n")[0]
    return (
        f"{os.cpu_count()} cores ({model}), Asterisk {center.runtime.version()}, {sipp.strip()}, "
        f"database {center.settings.db_url.split(':', 1)[0]}"
    )


def report(results: Sequence[StepResult], args: argparse.Namespace, started: datetime, machine: str) -> str:
    lines = [
        f"## benchmarks.inbound, {started:%Y-%m-%d %H:%M}",
        "",
        f"{machine}; {fmt(args.step_seconds)} s per step, callers hang up {args.hold:g} s after the answer.",
        "",
        markdown_table(HEADERS, [row(r) for r in results]),
        "",
        "Highest rate (every lower step clean too) with no failed call, no channel left over and, for ari,",
        "one call row per call, via ari (none fail-open), every row closed:",
        *summary(results, args.flows, args.max_p95_ms),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not ready_to_run():
        return 2
    started = datetime.now()
    with bench_center(prepare=write_site_templates) as center:
        check_baseline(center)
        machine = machine_line(center)
        results = run_all(center, args)
    print(report(results, args, started, machine))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
