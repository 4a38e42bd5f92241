"""Benchmark: screen-pop latency, from the agent's phone ringing (its 180) to the ring event arriving in
the agent's browser session, under load.

    python -m benchmarks.desk [--agents 60] [--rates 5,10,20] [--waves 2]

A center with its console; --agents benchmark agents (endpoints bench0001.., one SIPp UAS that rings
1.5 s and logs the wall-clock time of each 180), each with a console user whose desk stream is open:
agent 1's in real headless Chromium, the others as Server-Sent Events clients in Python. Each wave
places one call per agent at the given rate (IVR, city queue, agent). A ring's latency is its arrival
in the session minus the 180 of that agent's phone just before. Needs root; state in var/bench.
"""

from __future__ import annotations

import argparse
import functools
import logging
import re
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
from sqlalchemy import select

from benchmarks.acd import AGENT_PORT, IVR_S, write_site_templates
from benchmarks.cpu import CpuMeter, CpuUsage
from benchmarks.harness import (
    bench_center,
    center_pids,
    fmt,
    markdown_table,
    percentile,
    progress,
    ready_to_run,
)
from benchmarks.inbound import machine_line
from hotline.db.models import Agent, County
from hotline.sipp import library
from hotline.sipp.process import SippCommand, SippEvent, SippProcess
from hotline.sipp.runner import DEFAULT_AUDIO, reserve_ports, run_dir, start_call
from hotline.testcenter import SERVICES, PrivateCenter
from hotline.users import create_user
from tests.integration.console.browser import Browser, chromium

logger = logging.getLogger(__name__)

RING_MS = 1500
TO_ENDPOINT = re.compile(r"sip:(bench\d{4})@")
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@dataclass
class Session:
    """One agent's desk stream: the ring events it received (wall clock)."""

    endpoint: str
    username: str
    rings: list[float] = field(default_factory=list)


def seat_bench_agents(center: PrivateCenter, count: int, password: str) -> list[Session]:
    """Agent rows for the benchmark endpoints (ready, in the city: static members already) and a
    console user for each."""
    sessions = []
    with center.database.session() as s:
        city = s.scalar(select(County).where(County.is_center.is_(True)))
        for i in range(1, count + 1):
            endpoint, name = f"bench{i:04d}", f"7{i:03d}"
            agent = Agent(name=name, display_name=f"bench {i}", endpoint=endpoint, county=city, state="ready")
            s.add(agent)
            s.flush()
            create_user(s, f"desk{i:03d}", ["intake"], password, display_name=f"desk {i}", agent=name)
            sessions.append(Session(endpoint, f"desk{i:03d}"))
    # ari_app follows the agents' phones it finds at (re)start: restart it to follow these at once
    center.services["ari_app"].stop()
    center.services["ari_app"].start()
    return sessions


def logged_in(base: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=httpx.Timeout(10.0, read=None))
    page = client.get("/login")
    token = CSRF_META.search(page.text)
    assert token, page.text[:300]
    done = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token.group(1)}
    )
    if done.status_code not in (302, 303):
        raise RuntimeError(f"login of {username} failed: {done.status_code}")
    return client


def follow(
    base: str, session: Session, password: str, stop: threading.Event, ready: threading.Barrier
) -> None:
    """Read the agent's desk stream until `stop`; note each ring's arrival."""
    client = logged_in(base, session.username, password)
    try:
        with client.stream("GET", "/desk/stream") as response:
            ready.wait()
            event = ""
            for line in response.iter_lines():
                if stop.is_set():
                    break
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "ring":
                    session.rings.append(time.time())
    except httpx.HTTPError as exc:  # the console stopping at the end
        if not stop.is_set():
            logger.warning("desk stream of %s ended: %s", session.username, exc)
    finally:
        client.close()


def chromium_session(base: str, username: str, password: str) -> Browser:
    """Agent 1's desk in headless Chromium (its window.deskLog notes each event with Date.now())."""
    browser = Browser(chromium(), base)
    browser.login(username, password)
    browser.open("/desk/")
    browser.wait(lambda d: d.execute_script("return document.body.dataset.deskStream") == "open")
    return browser


def ring_times(events: Sequence[SippEvent]) -> dict[str, list[float]]:
    """Endpoint -> wall-clock times of its phone's 180s, from the UAS's `ringing` log lines."""
    rings: dict[str, list[float]] = {}
    for e in events:
        if e.event != "ringing" or len(e.fields) < 3:
            continue
        found = TO_ENDPOINT.search(e.fields[2])
        if found:
            rings.setdefault(found.group(1), []).append(float(e.fields[0]) + float(e.fields[1]) / 1e6)
    return rings


def latencies_ms(arrivals: Sequence[float], rings: Sequence[float]) -> list[float]:
    """Each arrival minus the latest 180 at or before it (a ring that never arrived has no value)."""
    values = []
    for t in arrivals:
        before = [r for r in rings if r <= t + 0.001]
        if before:
            values.append(1000 * (t - max(before)))
    return values


@dataclass
class Wave:
    rate: float
    calls: int
    ok: int
    rings: int
    sse_ms: list[float]
    chromium_ms: list[float]
    cpu: dict[str, float]
    machine_pct: float


def run(center: PrivateCenter, args: argparse.Namespace) -> list[Wave]:
    password = secrets.token_urlsafe(12)
    sessions = seat_bench_agents(center, args.agents, password)
    base = center.settings.console_url.rstrip("/")
    ports = reserve_ports(center.settings, "127.0.0.1", AGENT_PORT, exact=True)
    xml = library.render("agent-answer", {"ring_ms": RING_MS, "talk_ms": 0, "log_ring": True})
    command = SippCommand(name="desk-agents", xml=xml, local_ip="127.0.0.1", reservation=ports,
                          calls=1_000_000, timeout_s=None, rtp_echo=True)  # fmt: skip
    uas = SippProcess(command, run_dir(center.settings))
    stop = threading.Event()
    ready = threading.Barrier(len(sessions) + 1)
    threads = [
        threading.Thread(target=follow, args=(base, s, password, stop, ready), daemon=True) for s in sessions
    ]
    browser = chromium_session(base, sessions[0].username, password)
    waves: list[tuple[float, int, int, float, float, CpuUsage]] = []
    try:
        for t in threads:
            t.start()
        ready.wait(timeout=60)
        meter = CpuMeter(center_pids(center))
        for rate in args.rates:
            for _ in range(args.waves):
                progress(f"desk: {args.agents} calls at {rate:g}/s")
                before, started = meter.sample(), time.time()
                call = start_call(center.settings, caller="13900000000", calls=args.agents, rate=rate,
                                  hold_s=IVR_S + 4.0, digits="0", audio=DEFAULT_AUDIO)  # fmt: skip
                result = call.wait()
                time.sleep(2)
                usage = meter.usage(before, meter.sample())
                waves.append((rate, args.agents, result.successful, started, time.time(), usage))
    finally:
        stop.set()
        chromium_log = browser.driver.execute_script("return window.deskLog")
        browser.driver.quit()
        sipp = uas.stop()
    rings = ring_times(sipp.events)
    chromium = [e["at"] / 1000 for e in chromium_log if e["kind"] == "ring"]
    out = []
    for rate, calls, ok, since, until, usage in waves:
        sse = [
            v for s in sessions[1:]
            for v in latencies_ms([t for t in s.rings if since <= t <= until], rings.get(s.endpoint, []))
        ]  # fmt: skip
        chrome = latencies_ms(
            [t for t in chromium if since <= t <= until], rings.get(sessions[0].endpoint, [])
        )
        rung = sum(1 for times in rings.values() for r in times if since <= r <= until)
        out.append(Wave(rate, calls, ok, rung, sse, chrome, dict(usage.cpu_s), usage.machine_pct))
    return out


HEADERS = ["rate/s", "calls", "SIPp ok", "phones rang", "pops (SSE)", "p50 ms", "p95 ms", "p99 ms", "max ms",
           "Chromium pops", "Chromium ms", "console CPU s", "machine %"]  # fmt: skip


def report(waves: Sequence[Wave], args: argparse.Namespace, machine: str) -> str:
    rows = []
    for w in waves:
        rows.append([
            fmt(w.rate, 1), w.calls, w.ok, w.rings, len(w.sse_ms), fmt(percentile(w.sse_ms, 50)),
            fmt(percentile(w.sse_ms, 95)), fmt(percentile(w.sse_ms, 99)), fmt(max(w.sse_ms, default=None)),
            len(w.chromium_ms), ", ".join(fmt(v) for v in w.chromium_ms) or "-",
            fmt(w.cpu.get("console"), 1), fmt(w.machine_pct),
        ])  # fmt: skip
    every = [v for w in waves for v in w.sse_ms]
    chrome = [v for w in waves for v in w.chromium_ms]
    return "\n".join([
        f"## benchmarks.desk, {time.strftime('%Y-%m-%d %H:%M')}", "",
        f"{machine}; {args.agents} agents with open desks (1 in headless Chromium, the rest SSE clients),",
        f"phones ringing {RING_MS} ms; each wave one call per agent through the IVR and the city queue.", "",
        markdown_table(HEADERS, rows), "",
        f"All waves: p50 {fmt(percentile(every, 50))} ms, p95 {fmt(percentile(every, 95))} ms, "
        f"p99 {fmt(percentile(every, 99))} ms over {len(every)} pops; Chromium: "
        f"p50 {fmt(percentile(chrome, 50))} ms, p95 {fmt(percentile(chrome, 95))} ms over {len(chrome)}.",
    ])  # fmt: skip


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.desk", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--agents", type=int, default=60, help="agents with an open desk (one call each per wave)"
    )
    parser.add_argument("--rates", default="5,10,20", help="calls placed per second, one set of waves each")
    parser.add_argument("--waves", type=int, default=2, help="waves per rate")
    args = parser.parse_args(argv)
    args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    if args.agents < 2 or not args.rates or min(args.rates) <= 0 or args.waves < 1:
        parser.error("--agents at least 2, --rates positive, --waves at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not ready_to_run():
        return 2
    prepare = functools.partial(write_site_templates, agents=args.agents, record=True)
    env = {"HOTLINE_CONSOLE_THREADS": str(args.agents + 32)}
    with bench_center(prepare=prepare, env=env, services=(*SERVICES, "console")) as center:
        machine = machine_line(center)
        waves = run(center, args)
    print(report(waves, args, machine))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
