"""CPU time of the center's processes and of the whole machine, from /proc: what a benchmark step cost."""

from __future__ import annotations

import math
import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process, all its threads, from /proc/<pid>/stat; None if gone."""
    try:
        return _stat_cpu_s(Path(f"/proc/{pid}/stat").read_text())
    except OSError:
        return None


def _stat_cpu_s(stat: str) -> float:
    """User + system CPU seconds from a /proc stat line (a process's or one of its threads')."""
    fields = stat.rsplit(")", 1)[1].split()  # fields[0] is the state (field 3); utime, stime are 14, 15
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_cpu_s() -> tuple[float, float]:
    """(busy, total) CPU seconds of all cores since boot, from /proc/stat."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / CLK_TCK, sum(values) / CLK_TCK


def children_cpu_s() -> float:
    """CPU seconds of this process's finished (reaped) child processes, such as SIPp runs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class CpuSample:
    at: float
    processes: dict[str, float | None]
    machine_busy: float
    machine_total: float


@dataclass(frozen=True)
class CpuUsage:
    """CPU used between two samples: per named process, and the whole machine's busy share."""

    wall_s: float
    cpu_s: dict[str, float]  # NaN: the process was gone at one of the samples
    machine_pct: float  # 100 = every core busy

    def pct(self, name: str) -> float:
        """CPU % of one core (100 = one core fully busy; 2 cores give at most 200)."""
        return 100 * self.cpu_s.get(name, math.nan) / self.wall_s


class CpuMeter:
    """Samples the CPU time of named processes (their pids fixed at creation)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = dict(pids)

    def sample(self) -> CpuSample:
        busy, total = machine_cpu_s()
        return CpuSample(time.monotonic(), {n: process_cpu_s(p) for n, p in self.pids.items()}, busy, total)

    @staticmethod
    def usage(before: CpuSample, after: CpuSample) -> CpuUsage:
        cpu = {}
        for name, start in before.processes.items():
            end = after.processes.get(name)
            cpu[name] = end - start if start is not None and end is not None else math.nan
        total = after.machine_total - before.machine_total
        machine = 100 * (after.machine_busy - before.machine_busy) / total if total > 0 else math.nan
        return CpuUsage(after.at - before.at, cpu, machine)


def thread_cpu_s(pid: int) -> dict[str, float]:
    """User + system CPU seconds of each thread of a process, keyed "<tid> <name>" (empty if gone)."""
    found: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        found[f"{task.name} {name}"] = _stat_cpu_s(stat)
    return found
