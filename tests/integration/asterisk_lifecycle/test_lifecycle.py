"""A real Asterisk 22 installed, started twice, queried, stopped: no process and no mount left behind.

Self-contained: its own state directory under /tmp/hl-astrt-*, non-default ports, and a tiny hand-written
configuration (pbx_config only). The cached root tarball is taken from HOTLINE_CACHE_DIR (or ./var/cache)
and built there with mmdebstrap if missing.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.asterisk import AsteriskNotRunning, AsteriskRuntime, ProvisionError, mounts, process
from hotline.asterisk.runtime import TARBALL_NAME
from hotline.settings import Settings
from tests.integration.conftest import SECOND_BASE

REPO = Path(__file__).resolve().parents[3]
SIP_PORT, HTTP_PORT, AMI_PORT = SECOND_BASE + 60, SECOND_BASE + 88, SECOND_BASE + 38

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.geteuid() != 0, reason="chroot and mount need root"),
]


def cache_dir() -> Path:
    return Path(os.environ.get("HOTLINE_CACHE_DIR") or REPO / "var" / "cache").resolve()


def write_minimal_config(rt: AsteriskRuntime) -> None:
    """Just enough for Asterisk to boot: the directories, pbx_config, HTTP on our port, a log."""
    dirs = "\n".join(f"{key} => {path}" for key, path in rt.directories().items())
    files = {
        "asterisk.conf": f"[directories]\n{dirs}\n\n[options]\nverbose = 1\n",
        "modules.conf": "[modules]\nautoload = no\nload = pbx_config.so\n",
        "logger.conf": "[logfiles]\nconsole => notice,warning,error\nmessages.log => notice,warning,error\n",
        "http.conf": f"[general]\nenabled = yes\nbindaddr = 127.0.0.1\nbindport = {HTTP_PORT}\n",
        "manager.conf": f"[general]\nenabled = no\nport = {AMI_PORT}\nbindaddr = 127.0.0.1\n",
        "extensions.conf": "[general]\n\n[default]\nexten => 100,1,NoOp(lifecycle)\n",
    }
    rt.etc_dir.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (rt.etc_dir / name).write_text(text)


def daemons_in(root: Path) -> list[int]:
    """Asterisk daemons whose root directory is `root`, found independently of the runtime's own code."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            inside = os.readlink(f"/proc/{pid}/root") == str(root)
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if inside and argv[0].endswith(b"asterisk") and b"-f" in argv and state != "Z":
            found.append(int(pid))
    return found


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def runtime() -> Iterator[AsteriskRuntime]:
    cache = cache_dir()
    if not (cache / TARBALL_NAME).exists() and shutil.which("mmdebstrap") is None:
        pytest.skip(f"no {TARBALL_NAME} in {cache} and no mmdebstrap to build it")
    home = Path(tempfile.mkdtemp(prefix="hl-astrt-"))
    settings = Settings(
        home=home,
        cache_dir=cache,
        asterisk_mode="chroot",
        bind_host="127.0.0.1",
        sip_port=SIP_PORT,
        http_port=HTTP_PORT,
        ami_port=AMI_PORT,
    )
    rt = AsteriskRuntime.from_settings(settings)
    started = time.monotonic()
    rt.install(lambda line: print(line, file=sys.stderr))
    print(f"\n[timing] install into a new state dir: {time.monotonic() - started:.1f} s", file=sys.stderr)
    write_minimal_config(rt)
    (settings.sounds_dir / "zh" / "hotline").mkdir(parents=True)
    (settings.sounds_dir / "zh" / "hotline" / "probe.gsm").write_bytes(b"\0" * 33)
    try:
        yield rt
    finally:
        rt.stop()
        assert rt.root is not None
        if not mounts.mounts_below(rt.root):  # never delete a tree that still has /dev bound inside
            shutil.rmtree(home)


def test_start_boots_asterisk_22_once_and_stop_leaves_nothing(runtime: AsteriskRuntime) -> None:
    root = runtime.root
    assert root is not None
    t0 = time.monotonic()
    first = runtime.start(timeout=60)
    t_start = time.monotonic() - t0
    assert not first.already_running
    assert daemons_in(root) == [first.pid]
    assert "Asterisk 22" in runtime.cli("core show version")
    assert port_open(HTTP_PORT), "Asterisk did not bind the HTTP port of our configuration"
    points = {m.mountpoint.removeprefix(str(root)) for m in mounts.mounts_below(root)}
    assert points == {"/proc", "/dev", "/etc/asterisk", runtime.recordings_inner}
    assert (root / "etc/asterisk/modules.conf").read_text() == (runtime.etc_dir / "modules.conf").read_text()
    assert (root / "usr/share/asterisk/sounds/zh/hotline/probe.gsm").stat().st_size == 33

    second = runtime.start(timeout=60)
    assert second.already_running and second.pid == first.pid
    assert second.message == f"already running (pid {first.pid})"
    assert daemons_in(root) == [first.pid]
    assert "System uptime" in asyncio.run(runtime.acli("core show uptime"))

    t0 = time.monotonic()
    stopped = runtime.stop()
    t_stop = time.monotonic() - t0
    assert stopped.pids == [first.pid]
    assert daemons_in(root) == []
    assert mounts.mounts_below(root) == []
    assert not runtime.pidfile.exists()
    assert not port_open(HTTP_PORT)
    with pytest.raises(AsteriskNotRunning):
        runtime.cli("core show version")
    assert runtime.stop().pids == []
    print(f"\n[timing] start (fully booted): {t_start:.2f} s, stop: {t_stop:.2f} s", file=sys.stderr)


def test_asterisk_writes_recordings_into_the_host_recordings_dir(runtime: AsteriskRuntime) -> None:
    root = runtime.root
    assert root is not None
    runtime.start(timeout=60)
    try:
        probe = f"{runtime.recordings_inner}/probe.wav"
        done = subprocess.run(
            ["chroot", "--userspec=asterisk:asterisk", str(root), "touch", probe],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert (runtime.settings.recordings_dir / "probe.wav").exists()
    finally:
        runtime.stop()
    assert mounts.mounts_below(root) == []


def test_cli_start_status_and_stop_of_a_running_asterisk(runtime: AsteriskRuntime) -> None:
    pid = runtime.start(timeout=60).pid
    env = {
        **os.environ,
        "HOTLINE_HOME": str(runtime.settings.home),
        "HOTLINE_CACHE_DIR": str(runtime.settings.cache),
        "HOTLINE_ASTERISK_MODE": "chroot",
        "HOTLINE_SIP_PORT": str(SIP_PORT),
        "HOTLINE_HTTP_PORT": str(HTTP_PORT),
        "HOTLINE_AMI_PORT": str(AMI_PORT),
    }
    hotline = [str(Path(sys.executable).parent / "hotline")]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*hotline, "asterisk", *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )

    status = run("status", "--json")
    assert status.returncode == 0, status.stderr
    info = json.loads(status.stdout)
    assert info["running"] and info["pid"] == pid and info["version"].startswith("22.")
    again = run("start")
    assert again.returncode == 0 and f"already running (pid {pid})" in again.stdout
    version = run("cli", "core show version")
    assert version.returncode == 0 and "Asterisk 22" in version.stdout
    stop = run("stop")
    assert stop.returncode == 0, stop.stderr
    assert process.daemon_pids(runtime) == []
    assert runtime.root is not None and mounts.mounts_below(runtime.root) == []
    not_running = run("cli", "core show version")
    assert not_running.returncode == 2 and "not running" in not_running.stderr


def test_a_taken_sip_port_refuses_to_start_and_mounts_nothing(runtime: AsteriskRuntime) -> None:
    assert runtime.root is not None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", SIP_PORT))
        with pytest.raises(ProvisionError, match="HOTLINE_SIP_PORT"):
            runtime.start(timeout=60)
    assert daemons_in(runtime.root) == []
    assert mounts.mounts_below(runtime.root) == []


def test_asterisk_dying_at_boot_is_reported_and_cleaned_up(runtime: AsteriskRuntime) -> None:
    assert runtime.root is not None
    modules = runtime.etc_dir / "modules.conf"
    good = modules.read_text()
    modules.write_text(good + "require = res_hotline_missing.so\n")
    try:
        with pytest.raises(ProvisionError) as info:
            runtime.start(timeout=60)
    finally:
        modules.write_text(good)
    assert "exited during startup" in str(info.value)
    assert "res_hotline_missing.so" in str(info.value)
    assert daemons_in(runtime.root) == []
    assert mounts.mounts_below(runtime.root) == []
    assert not runtime.pidfile.exists()
