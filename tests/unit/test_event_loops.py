"""The daemons' event loop and scheduling priority (hotline/loops.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys

import pytest

from hotline import loops

PROBE = """
import json, os, threading
from hotline.loops import run

async def main():
    seen = {}
    def in_thread():
        seen["thread"] = os.getpriority(os.PRIO_PROCESS, 0)  # Linux: this thread's nice
    t = threading.Thread(target=in_thread)
    t.start(); t.join()
    if os.path.exists("/proc/self/autogroup"):  # a kernel with scheduler autogroups
        with open("/proc/self/autogroup") as group:
            seen["autogroup"] = group.read()
    return seen

seen = run(main(), "asyncio", nice=int(os.environ["NICE"]))
print(json.dumps({**seen, "process": os.getpriority(os.PRIO_PROCESS, 0)}))
"""


def probe(nice: int, new_session: bool) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, "NICE": str(nice)},
        start_new_session=new_session,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_a_daemon_leading_its_session_runs_its_group_and_threads_at_the_given_priority() -> None:
    seen = probe(7, new_session=True)
    assert seen["process"] == 7 and seen["thread"] == 7  # threads started later inherit it
    assert "nice 7" in str(seen.get("autogroup", "nice 7"))


def test_a_daemon_started_from_a_shell_leaves_the_shells_session_group_alone() -> None:
    seen = probe(7, new_session=False)
    assert seen["process"] == 7
    assert "nice 7" not in str(seen.get("autogroup", ""))


def test_a_priority_it_may_not_take_is_a_warning_not_a_failure(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(which: int, who: int, value: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(loops.os, "setpriority", refuse)
    with caplog.at_level(logging.WARNING, logger="hotline.loops"):
        assert loops.run(asyncio.sleep(0, result="ran"), "asyncio", nice=-10) == "ran"
    assert "could not run at scheduling priority -10" in caplog.text


def test_nice_zero_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(loops.os, "setpriority", lambda which, who, value: calls.append(value))
    assert loops.run(asyncio.sleep(0, result="ran"), "uvloop", nice=0) == "ran"
    assert calls == []
