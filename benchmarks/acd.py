"""Benchmark: callers through the IVR, the queue and an answering agent, recorded, at rising concurrency.

    python -m benchmarks.acd [--concurrency 100,200,300,400] [--rate 5] [--rates 10,20,30,40]
                             [--rate-seconds 10] [--rate-hold 3] [--agents 600] [--flows ...]

Every call: the caller is answered, hears the welcome prompt, presses 0, hears the hand-over notice,
waits in the city queue, a benchmark agent answers (300 ms of ringing, RTP echo) and the caller
talks (g711a audio) until it hangs up. A step places N calls at --rate per second and holds each long
enough that all N are up together, so N is the concurrency the step asks of the machine. Then the
rate steps: calls placed at R per second for --rate-seconds, each talking --rate-hold seconds; the
highest R with no failure is the rate the path holds. Each answer's ring-to-answer time is measured
at the agents' phone (SIPp's response time: INVITE received to the ACK of its 200 OK).

Flows, step by step in the same center:
  ari-rec    the hotline number: ari_app's IVR, hotline-acd, Queue(city), app_queue's MixMonitor, the
             FastAGI hooks and the call row, the queue_log follower
  dialplan   the same prompts, key and Queue(city) with MixMonitor in pure dialplan (no ARI, AGI or
             database): what the machine can hold at all
  ari-norec  ari-rec with recording off: a second center, its queues.conf without monitor-format

Agents: --agents endpoints bench0001.. with a static contact at one SIPp UAS, static members of the
city queue (ringinuse=no: one call each). Needs root; state in var/bench, ports 45xxx.
"""

from __future__ import annotations

import argparse
import functools
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from benchmarks.acd_report import report
from benchmarks.cpu import CpuMeter
from benchmarks.harness import (
    LoadStep,
    StepResult,
    active_channels,
    bench_center,
    center_pids,
    progress,
    ready_to_run,
    run_step,
)
from benchmarks.inbound import machine_line
from dialplan.render import PACKAGED, site_templates
from hotline.db.models import Call, QueueEvent, Recording
from hotline.settings import Settings
from hotline.sipp import library
from hotline.sipp.process import SippCommand, SippProcess
from hotline.sipp.runner import DEFAULT_AUDIO, reserve_ports, run_dir
from hotline.testcenter import PrivateCenter

logger = logging.getLogger(__name__)

BASELINE_NUMBER = "10109397"
AGENT_PORT = 45300  # the benchmark agents' UAS
IVR_S = 9.0  # answer -> agent offered: welcome prompt to the key, the notice, the queue
# The queue_log verbs an unclean step is explained by (where the callers no agent answered went).
STEP_VERBS = ("ENTERQUEUE", "CONNECT", "RINGNOANSWER", "ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY")
SETTLE_QUIET_S = 15.0  # a count that has not moved for this long has settled
SETTLE_LIMIT_S = 120.0  # the longest a step's counts are waited for
FLOWS = ("dialplan", "ari-rec", "ari-norec")


def agents_block(count: int) -> str:
    """pjsip.conf addition: benchmark agents with a static contact at the benchmark UAS."""
    lines = ["", "; ---- benchmark only (benchmarks/acd.py): agents answered by one SIPp UAS"]
    for i in range(1, count + 1):
        name = f"bench{i:04d}"
        lines += [
            f"[{name}]", "type = endpoint", "transport = transport-udp", "context = {{ v.CTX_FROM_AGENTS }}",
            "disallow = all", "allow = alaw,ulaw", "direct_media = no", "rtp_symmetric = yes",
            f"aors = {name}", f"[{name}]", "type = aor", f"contact = sip:{name}@127.0.0.1:{AGENT_PORT}", "",
        ]  # fmt: skip
    return "\n".join(lines)


def members_block(queue: str, count: int) -> str:
    """queues.conf addition: the benchmark agents as static members of `queue`."""
    members = [f"member => PJSIP/bench{i:04d},0,bench{i:04d}" for i in range(1, count + 1)]
    return "\n".join(["", f"[{queue}](+)", *members, ""])


def dialplan_block(number: str, queue: str) -> str:
    """The same caller experience in pure dialplan, recorded by app_queue like the real path."""
    return f"""
; ---- benchmark only (benchmarks/acd.py): the ACD path in pure dialplan, no ARI, AGI or database.
[{{{{ v.CTX_FROM_CARRIER }}}}]
exten => {number},1,Goto(bench-acd,s,1)

[bench-acd]
exten => s,1,Answer()
 same => n,Background(hotline/welcome_language)
 same => n,WaitExten(3)
exten => _X,1,Goto(queue,1)
exten => t,1,Goto(queue,1)
exten => queue,1,Playback(hotline/transfer_notice)
 same => n,Set(MONITOR_FILENAME=${{HOTLINE_RECORDINGS}}/bench/${{UNIQUEID}})
 same => n,Queue({queue},c)
 same => n,Hangup()
"""


def write_site_templates(settings: Settings, agents: int, record: bool = True) -> None:
    """Site overrides: packaged templates plus the benchmark's agents, members and dialplan."""
    target = site_templates(settings)
    target.mkdir(parents=True, exist_ok=True)
    queue = settings.default_queue
    (target / "pjsip.conf.jinja").write_text(
        (PACKAGED / "pjsip.conf.jinja").read_text() + agents_block(agents)
    )
    queues = (PACKAGED / "queues.conf.jinja").read_text()
    if not record:
        queues = queues.replace("monitor-format = {{ c.recording_format }}\n", "")
    (target / "queues.conf.jinja").write_text(queues + members_block(queue, agents))
    extensions = (PACKAGED / "extensions.conf.jinja").read_text()
    (target / "extensions.conf.jinja").write_text(extensions + dialplan_block(BASELINE_NUMBER, queue))


@dataclass
class AgentUas:
    """The benchmark agents' SIPp UAS, and when it started (its response-time log counts from there)."""

    proc: SippProcess
    started: float  # time.time()

    def ring_ms(self, since: float, until: float) -> list[float]:
        """Ring-to-answer of the answers between `since` and `until` (wall clock): SIPp's -trace_rtt
        rows are `ms since start;response time ms;rtd number`."""
        values = []
        for path in self.proc.workdir.glob("*_rtt.csv"):
            for line in path.read_text().splitlines()[1:]:
                parts = line.split(";")
                if len(parts) >= 2 and since <= self.started + float(parts[0]) / 1000 <= until:
                    values.append(float(parts[1]))
        return values


@contextmanager
def agent_uas(center: PrivateCenter) -> Iterator[AgentUas]:
    """One SIPp UAS answering every benchmark agent's calls (300 ms ringing, RTP echo)."""
    ports = reserve_ports(center.settings, "127.0.0.1", AGENT_PORT, exact=True)
    xml = library.render("agent-answer", {"ring_ms": 300, "talk_ms": 0})
    command = SippCommand(name="bench-agents", xml=xml, local_ip="127.0.0.1", reservation=ports,
                          calls=1_000_000, timeout_s=None, rtp_echo=True,
                          extra=("-trace_rtt", "-rtt_freq", "1"))  # fmt: skip
    started = time.time()
    proc = SippProcess(command, run_dir(center.settings))
    try:
        yield AgentUas(proc, started)
    finally:
        proc.stop()


class PeakChannels:
    """The most channels Asterisk held while a step ran (sampled every 2 s)."""

    def __init__(self, center: PrivateCenter) -> None:
        self.center = center
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(2.0):
            try:
                self.peak = max(self.peak, active_channels(self.center))
            except Exception:  # a sample lost under load is not a result
                logger.debug("channel count failed", exc_info=True)

    def __enter__(self) -> PeakChannels:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def account(center: PrivateCenter, step: LoadStep, started: datetime) -> dict[str, object]:
    """What Asterisk and the database say of the step: agent answers, recordings, queue waits."""
    with center.database.session() as session:
        events = list(session.scalars(select(QueueEvent).where(QueueEvent.at >= started)))
        waits = [float(e.data[0]) for e in events if e.event == "CONNECT" and e.data and e.data[0].isdigit()]
        verbs = dict(Counter(e.event for e in events if e.event in STEP_VERBS))
        if step.flow == "dialplan":
            files = list((center.settings.recordings_dir / "bench").glob("*.wav"))
            recorded = sum(
                1 for f in files if f.stat().st_mtime >= started.timestamp() and f.stat().st_size > 44
            )
        else:
            recorded = int(
                session.scalar(
                    select(func.count()).select_from(Recording).join(Call)
                    .where(Call.caller_number == step.caller, Recording.status == "ok")
                ) or 0
            )  # fmt: skip
    return {"answered": len(waits), "recorded": recorded, "waits": waits, "verbs": verbs}


def settled_account(center: PrivateCenter, step: LoadStep, started: datetime) -> dict[str, object]:
    """`account` once its counts have settled: recordings are closed and measured (sox, sha256) and
    queue_log lines followed after SIPp ends, so a count taken at once lags under a burst. Polled
    until every call is counted, or no count moved for SETTLE_QUIET_S, or SETTLE_LIMIT_S passed."""
    recorded_counts = step.flow != "ari-norec"
    deadline = time.monotonic() + SETTLE_LIMIT_S
    last = account(center, step, started)
    moved = time.monotonic()
    while time.monotonic() < deadline:
        if last["answered"] == step.calls and (last["recorded"] == step.calls or not recorded_counts):
            break
        time.sleep(2.0)
        now = account(center, step, started)
        if (now["answered"], now["recorded"]) != (last["answered"], last["recorded"]):
            moved = time.monotonic()
        elif time.monotonic() - moved >= SETTLE_QUIET_S:
            break
        last = now
    return last


def concurrency_step(center: PrivateCenter, flow: str, calls: int, rate: float, index: int) -> LoadStep:
    """`calls` placed at `rate`, held so that all are up together for ~10 s."""
    number = BASELINE_NUMBER if flow == "dialplan" else center.settings.hotline_numbers[0]
    hold = max(calls / rate - IVR_S + 10.0, 10.0)
    caller = f"139{index:04d}{FLOWS.index(flow):04d}"
    return LoadStep(
        flow, number, rate, calls / rate, hold, caller, audio=DEFAULT_AUDIO, digits="0", delay_s=2.0
    )


def rate_step(
    center: PrivateCenter, flow: str, rate: float, args: argparse.Namespace, index: int
) -> LoadStep:
    """Calls placed at `rate` for --rate-seconds, each talking --rate-hold seconds after the IVR."""
    number = BASELINE_NUMBER if flow == "dialplan" else center.settings.hotline_numbers[0]
    caller = f"138{index:04d}{FLOWS.index(flow):04d}"
    hold = IVR_S + args.rate_hold
    return LoadStep(
        flow, number, rate, args.rate_seconds, hold, caller, audio=DEFAULT_AUDIO, digits="0", delay_s=2.0
    )


def run_flow_step(center: PrivateCenter, meter: CpuMeter, uas: AgentUas, step: LoadStep) -> StepResult:
    flow = step.flow
    started = datetime.now().astimezone()
    with PeakChannels(center) as peak:
        result = run_step(center, meter, step, drain_s=60.0)
    result.extra["ring_ms"] = uas.ring_ms(started.timestamp(), time.time())
    center.hotline("calls", "list", "--limit", "1")  # the queue log follower has caught up by now
    result.extra.update(settled_account(center, step, started))
    result.extra["peak"] = peak.peak
    expected = step.calls
    recorded = result.extra["recorded"] if flow != "ari-norec" else expected
    result.extra["clean"] = (
        result.failed == 0 and result.left_channels == 0 and result.extra["answered"] == expected
        and recorded == expected
    )  # fmt: skip
    return result


def run_all(center: PrivateCenter, uas: AgentUas, args: argparse.Namespace,
            flows: Sequence[str]) -> tuple[list[StepResult], list[StepResult]]:  # fmt: skip
    """The concurrency steps, then the rate steps; a flow stops rising at its first unclean step."""
    meter = CpuMeter(center_pids(center))
    phases: list[list[StepResult]] = []
    for kind, values in (("concurrent calls", args.concurrency), ("calls/s", args.rates)):
        results: list[StepResult] = []
        given_up: set[str] = set()
        for index, value in enumerate(values, start=1):
            for flow in (f for f in flows if f not in given_up):
                if kind == "calls/s":
                    step = rate_step(center, flow, float(value), args, index)
                else:
                    step = concurrency_step(center, flow, int(value), args.rate, index)
                result = run_flow_step(center, meter, uas, step)
                results.append(result)
                if not result.extra["clean"]:
                    given_up.add(flow)
                    progress(f"{flow}: not clean at {value:g} {kind}; no higher step")
        phases.append(results)
    return phases[0], phases[1]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.acd", description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", default="100,200,300,400", help="concurrent calls, one step each")
    parser.add_argument("--rate", type=float, default=5.0, help="calls placed per second")
    parser.add_argument("--rates", default="10,20,30,40", help="calls per second, one rate step each")
    parser.add_argument(
        "--rate-seconds", type=float, default=10.0, help="how long each rate step places calls"
    )
    parser.add_argument("--rate-hold", type=float, default=3.0, help="talk seconds of a rate step's calls")
    parser.add_argument("--agents", type=int, default=600, help="benchmark agents (one call each)")
    parser.add_argument("--flows", default=",".join(FLOWS), help=f"among {', '.join(FLOWS)}")
    args = parser.parse_args(argv)
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c.strip()]
    args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    args.flows = [f.strip() for f in args.flows.split(",") if f.strip()]
    if (
        not (args.concurrency or args.rates)
        or min(args.concurrency or [1]) < 1
        or min(args.rates or [1]) <= 0
        or not set(args.flows) <= set(FLOWS)
        or args.rate <= 0
    ):
        parser.error(f"--concurrency and --rates must be positive and --flows among {', '.join(FLOWS)}")
    most = max([*args.concurrency, *(r * (IVR_S + args.rate_hold + 2) for r in args.rates)])
    if most > args.agents:
        parser.error(
            f"--agents must be at least {math.ceil(most)}: the most calls up at once (one per agent)"
        )
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not ready_to_run():
        return 2
    started = datetime.now()
    concurrency: list[StepResult] = []
    rates: list[StepResult] = []
    machine = ""
    # recording on, then a second center rendered without monitor-format for recording off
    for record, flows in ((True, [f for f in args.flows if f != "ari-norec"]), (False, ["ari-norec"])):
        if not set(flows) & set(args.flows):
            continue
        prepare = functools.partial(write_site_templates, agents=args.agents, record=record)
        with bench_center(prepare=prepare) as center:
            machine = machine_line(center)
            with agent_uas(center) as uas:
                more = run_all(center, uas, args, flows)
            concurrency += more[0]
            rates += more[1]
    print(report(concurrency, rates, args, started, machine))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
