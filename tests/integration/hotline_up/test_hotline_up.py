"""`hotline up` runs the whole center in the foreground and SIGTERM leaves nothing behind."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.asterisk.mounts import mounts_below
from hotline.asterisk.process import daemon_pids
from hotline.asterisk.runtime import AsteriskRuntime
from hotline.settings import get_settings
from hotline.testcenter import remove_state_dir
from tests.dbutil import worker
from tests.integration.center import REPO, center_env
from tests.integration.conftest import SECOND_BASE

pytestmark = pytest.mark.integration


@pytest.fixture
def up_env() -> Iterator[dict[str, str]]:
    home = REPO / "var" / "test" / f"up-{worker()}"
    # ports below the ephemeral range (32768+), so no client socket can be holding one of them
    env = {**os.environ, **center_env(home, SECOND_BASE)}
    env.pop("HOTLINE_DATABASE_URL", None)  # `hotline up` on its embedded default, SQLite
    settings = get_settings(home=home)
    AsteriskRuntime.from_settings(settings).stop()
    if home.exists():
        remove_state_dir(home)
    for args in (["db", "upgrade"], ["db", "seed", "--demo"]):
        subprocess.run([sys.executable, "-m", "hotline", *args], env=env, check=True, capture_output=True)
    yield env
    AsteriskRuntime.from_settings(settings).stop()


def read_until(proc: subprocess.Popen[str], marker: str, timeout: float) -> str:
    assert proc.stdout is not None
    seen = ""
    fd = proc.stdout.fileno()
    os.set_blocking(fd, False)
    deadline = timeout
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], 1.0)
        deadline -= 1.0 if not ready else 0
        assert deadline > 0 and proc.poll() is None, f"no {marker!r} in output:\n{seen}"
        if ready:
            seen += os.read(fd, 65536).decode(errors="replace")
    return seen


def test_up_starts_everything_and_sigterm_stops_everything(up_env: dict[str, str]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotline", "up"],
        env=up_env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        banner = read_until(proc, "Press Ctrl-C to stop.", 90)
        console = f"http://127.0.0.1:{up_env['HOTLINE_CONSOLE_PORT']}/"
        assert console in banner
        assert "10109366" in banner
        assert "user=agent8001 password=" in banner
        with urllib.request.urlopen(console + "healthz", timeout=5) as resp:
            assert resp.status == 200
        home = Path(up_env["HOTLINE_HOME"])
        for name in ("asterisk.out", "agi.log", "ari_app.log", "console.log"):
            assert (home / "log" / name).exists(), name
        runtime = AsteriskRuntime.from_settings(get_settings(home=home))
        (asterisk,) = daemon_pids(runtime)
        children = subprocess.run(
            ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
        ).stdout.split()
        assert str(asterisk) in children
        assert len(children) == 4, children  # Asterisk, agi, ari_app, console
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "stopped" in out
    assert daemon_pids(runtime) == []
    assert mounts_below(runtime.root) == []
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
