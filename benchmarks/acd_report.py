"""benchmarks.acd's output: one table for the concurrency steps, one for the rate steps, and the
figures the issue asks for (most concurrent calls and highest rate at 0 failures, ring-to-answer)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from datetime import datetime

from benchmarks.harness import StepResult, fmt, markdown_table, percentile

HEADERS = [
    "flow", "asked", "rate/s", "calls", "SIPp ok", "agent answered", "recorded", "failed", "peak channels",
    "queue wait p50 s", "p95 s", "ring→answer p50 ms", "p95 ms", "p99 ms", "Asterisk %", "ari_app %",
    "agi %", "machine %", "Asterisk ms/call", "left",
]  # fmt: skip


def _floats(result: StepResult, key: str) -> list[float]:
    values = result.extra.get(key, [])
    assert isinstance(values, list)
    return [float(v) for v in values]


def row(result: StepResult) -> list[object]:
    usage, extra = result.usage, result.extra
    waits, rings = _floats(result, "waits"), _floats(result, "ring_ms")
    return [
        result.step.flow, result.step.calls, fmt(result.step.rate, 1), result.attempted, result.successful,
        extra.get("answered"), extra.get("recorded") if result.step.flow != "ari-norec" else "-",
        result.failed, extra.get("peak"), fmt(percentile(waits, 50)), fmt(percentile(waits, 95)),
        fmt(percentile(rings, 50)), fmt(percentile(rings, 95)), fmt(percentile(rings, 99)),
        fmt(usage.pct("asterisk")), fmt(usage.pct("ari_app")), fmt(usage.pct("agi")), fmt(usage.machine_pct),
        fmt(result.cpu_ms_per_call("asterisk"), 1), result.left_channels,
    ]  # fmt: skip


def best(results: Sequence[StepResult], flow: str, measure: str) -> float:
    """The highest step (by `measure`: calls or rate) of `flow` with it and every lower step clean."""
    top = math.nan
    for result in (r for r in results if r.step.flow == flow):
        if not result.extra.get("clean"):
            break
        top = result.step.calls if measure == "calls" else result.step.rate
    return top


def _ratios(tops: dict[str, float], unit: str) -> list[str]:
    lines = []
    if {"ari-rec", "dialplan"} <= tops.keys() and tops["dialplan"] > 0:
        lines.append(f"- ari-rec / dialplan ({unit}): {fmt(tops['ari-rec'] / tops['dialplan'], 2)}")
    if {"ari-rec", "ari-norec"} <= tops.keys() and tops["ari-norec"] > 0:
        cost = 100 * (1 - tops["ari-rec"] / tops["ari-norec"])
        lines.append(f"- recording costs ({unit}): {fmt(cost)} % of capacity")
    return lines


def unclean_lines(results: Sequence[StepResult]) -> list[str]:
    """For each unclean step, what went wrong: SIPp failures, callers no agent answered and where
    app_queue says they went (its queue_log verbs of the step), recordings missing, channels left."""
    lines = []
    for result in (r for r in results if not r.extra.get("clean")):
        extra, calls = result.extra, result.step.calls
        verbs = extra.get("verbs") or {}
        assert isinstance(verbs, dict)
        recorded = extra.get("recorded") if result.step.flow != "ari-norec" else calls
        answered, recorded = int(str(extra.get("answered") or 0)), int(str(recorded or 0))
        where = ", ".join(f"{verb} {count}" for verb, count in sorted(verbs.items()))
        lines.append(
            f"- {result.step.flow} at {calls} calls, {result.step.rate:g}/s: {result.failed} SIPp failures, "
            f"{calls - answered} not answered by an agent, {calls - recorded} not recorded, "
            f"{result.left_channels} channels left; queue_log: {where}"
        )
    return lines


def ring_summary(results: Sequence[StepResult], flow: str) -> str:
    """Ring-to-answer percentiles over every clean step of `flow`."""
    rings = [
        v for r in results if r.step.flow == flow and r.extra.get("clean") for v in _floats(r, "ring_ms")
    ]
    return (
        f"- {flow}: p50 {fmt(percentile(rings, 50))} ms, p95 {fmt(percentile(rings, 95))} ms, "
        f"p99 {fmt(percentile(rings, 99))} ms over {len(rings)} answers"
    )


def report(
    concurrency: Sequence[StepResult],
    rates: Sequence[StepResult],
    args: argparse.Namespace,
    started: datetime,
    machine: str,
) -> str:
    """The whole run as markdown, ready for docs/benchmarks.md."""
    lines = [f"## benchmarks.acd, {started:%Y-%m-%d %H:%M}", "", f"{machine}; {args.agents} benchmark agents "
             "(one SIPp UAS, 300 ms ringing, RTP echo); callers send g711a audio.", ""]  # fmt: skip
    if concurrency:
        tops = {flow: best(concurrency, flow, "calls") for flow in args.flows}
        lines += [
            f"### Concurrency: calls placed at {args.rate:g}/s and held so that each step's calls are all up"
            " together", "", markdown_table(HEADERS, [row(r) for r in concurrency]), "",
            "Most concurrent calls held (every lower step clean too: no failed call, every call answered",
            "by an agent and, with recording, recorded, no channel left over):",
            *[f"- {flow}: {fmt(top)}" for flow, top in tops.items()], *_ratios(tops, "concurrency"), "",
        ]  # fmt: skip
    if rates:
        top_rates = {flow: best(rates, flow, "rate") for flow in args.flows}
        lines += [
            f"### Rate: calls placed for {args.rate_seconds:g} s per rate, {args.rate_hold:g} s talk each",
            "", markdown_table(HEADERS, [row(r) for r in rates]), "",
            "Highest rate at 0 failures (calls per second, every lower rate clean too):",
            *[f"- {flow}: {fmt(top, 1)}" for flow, top in top_rates.items()], *_ratios(top_rates, "rate"), "",
        ]  # fmt: skip
    everything = [*concurrency, *rates]
    if unclean := unclean_lines(everything):
        lines += ["Unclean steps, and where their calls went:", *unclean, ""]
    lines += [
        "Ring-to-answer at the agent's phone (INVITE received → ACK of its 200 OK; 300 ms of it is the",
        "phone's own ringing), over the clean steps:",
        *[ring_summary(everything, flow) for flow in args.flows],
    ]
    return "\n".join(lines)
