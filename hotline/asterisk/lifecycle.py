"""Starting and stopping Asterisk: mount, spawn, wait until fully booted, stop, status."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotline.asterisk import mounts, ports, provision
from hotline.asterisk.control import PROBE_TIMEOUT, cli, remote_argv
from hotline.asterisk.errors import ProvisionError
from hotline.asterisk.process import daemon_pids, terminate, wait_gone

if TYPE_CHECKING:
    from hotline.asterisk.runtime import AsteriskRuntime

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]
ENV_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class StartResult:
    pid: int
    already_running: bool

    @property
    def message(self) -> str:
        if self.already_running:
            return f"already running (pid {self.pid})"
        return f"Asterisk started (pid {self.pid})"


@dataclass(frozen=True)
class StopResult:
    pids: list[int] = field(default_factory=list)
    unmounted: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        if not self.pids:
            return "Asterisk was not running" + (
                f"; removed {len(self.unmounted)} stale mounts" if self.unmounted else ""
            )
        return f"Asterisk stopped (pid {', '.join(map(str, self.pids))})"


@dataclass(frozen=True)
class AsteriskStatus:
    running: bool
    pid: int | None
    mode: str
    version: str | None
    root: str | None
    uptime: str | None
    responding: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---- start -----------------------------------------------------------------------------------


def _require_installed(rt: AsteriskRuntime) -> None:
    if rt.mode == "chroot":
        provision.require_root()
        if not provision.root_ready(rt):
            raise ProvisionError(
                "Asterisk is not installed in this state directory: run `hotline asterisk install` first"
            )
    elif shutil.which(rt.binary) is None:
        raise ProvisionError(
            f"{rt.binary} not found: install Asterisk 22 or set HOTLINE_ASTERISK_MODE=chroot"
        )


def _mount_all(rt: AsteriskRuntime) -> None:
    """proc, dev, the rendered config over /etc/asterisk and the recordings dir, inside the root."""
    from hotline.asterisk.runtime import CHROOT_ETC, resolve_in_root

    root = rt.root
    assert root is not None
    plan = [
        ("/proc", "proc", "proc"),
        ("/dev", "/dev", None),
        (CHROOT_ETC, str(rt.etc_dir), None),
        (rt.recordings_inner, str(rt.settings.recordings_dir), None),
    ]
    present = mounts.mountpoints(root)
    for inner, source, fstype in plan:
        target = resolve_in_root(root, inner)
        if os.path.realpath(target) not in present:
            mounts.mount(root, target, source, fstype)


def _spawn(rt: AsteriskRuntime) -> subprocess.Popen[bytes]:
    args = ["-f", "-n", "-C", rt.conf_inner]  # -n: no colour codes in asterisk.out
    if os.geteuid() == 0:
        args[2:2] = ["-U", "asterisk", "-G", "asterisk"]
    home = "/var/lib/asterisk" if rt.root is not None else str(rt.state_dir / "lib")
    env = {"PATH": ENV_PATH, "LANG": "C.UTF-8", "HOME": home, "TERM": "dumb"}
    if rt.out_file.exists():
        os.replace(rt.out_file, rt.out_file.with_name(rt.out_file.name + ".1"))
    with open(rt.out_file, "wb") as out:
        proc = subprocess.Popen(
            rt.command(*args),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd="/",
            start_new_session=True,
        )
    rt.pidfile.write_text(f"{proc.pid}\n")
    logger.info("asterisk: spawned pid %d: %s", proc.pid, " ".join(rt.command(*args)))
    return proc


def _wait_booted(rt: AsteriskRuntime, proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """Poll `core waitfullybooted` until it succeeds, the process dies, or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise ProvisionError(f"Asterisk exited during startup with status {proc.returncode}")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ProvisionError(f"Asterisk did not finish booting within {timeout:.0f} s")
        try:
            done = subprocess.run(
                remote_argv(rt, "core waitfullybooted"),
                capture_output=True,
                text=True,
                timeout=min(remaining, 30),
                check=False,
                stdin=subprocess.DEVNULL,
            )
            if done.returncode == 0 and "fully booted" in done.stdout:
                return
        except subprocess.TimeoutExpired:
            continue
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=min(0.25, max(remaining, 0.01)))
        else:
            time.sleep(0.25)


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no output)"


def _abort(rt: AsteriskRuntime, proc: subprocess.Popen[bytes]) -> None:
    """Undo a failed start: kill what was spawned, unmount, forget the pidfile."""
    try:
        terminate([proc.pid, *daemon_pids(rt)], timeout=5)
        proc.poll()
    finally:
        if rt.root is not None:
            mounts.unmount_below(rt.root)
        rt.pidfile.unlink(missing_ok=True)


def start(rt: AsteriskRuntime, timeout: float, progress: Progress) -> StartResult:
    """Start this state dir's Asterisk unless it runs already; wait until it is fully booted."""
    _require_installed(rt)
    running = daemon_pids(rt)
    if running:
        try:
            _wait_booted(rt, None, timeout)
        except ProvisionError as exc:
            raise ProvisionError(
                f"an Asterisk of this state directory (pid {running[0]}) runs but does not "
                "answer its control socket: `hotline asterisk stop` first"
            ) from exc
        rt.pidfile.write_text(f"{running[0]}\n")
        return StartResult(running[0], already_running=True)
    if not (rt.etc_dir / "asterisk.conf").exists():
        raise ProvisionError(f"no Asterisk configuration in {rt.etc_dir}: run `hotline config render` first")
    if rt.root is not None:
        mounts.unmount_below(rt.root)
    rt.pidfile.unlink(missing_ok=True)
    ports.check(rt.settings)
    provision.prepare(rt)
    started = time.monotonic()
    try:
        if rt.root is not None:
            _mount_all(rt)
        proc = _spawn(rt)
    except BaseException:
        if rt.root is not None:
            mounts.unmount_below(rt.root)
        raise
    progress(f"Asterisk spawned (pid {proc.pid}, {rt.mode} mode); waiting until it is fully booted")
    try:
        _wait_booted(rt, proc, timeout)
    except ProvisionError as exc:
        _abort(rt, proc)
        raise ProvisionError(f"{exc}; last lines of {rt.out_file}:\n{tail(rt.out_file)}") from exc
    except BaseException:
        _abort(rt, proc)
        raise
    progress(f"Asterisk fully booted in {time.monotonic() - started:.1f} s")
    return StartResult(proc.pid, already_running=False)


# ---- stop and status -------------------------------------------------------------------------


def stop(rt: AsteriskRuntime, timeout: float) -> StopResult:
    """`core stop now`, then signals if needed; unmount everything under the root; idempotent."""
    pids = daemon_pids(rt)
    stale = rt.root is not None and bool(mounts.mounts_below(rt.root))
    if rt.root is not None and (pids or stale):
        provision.require_root()
    if pids:
        try:
            cli(rt, "core stop now", timeout=min(timeout, 10))
        except ProvisionError as exc:
            logger.info("asterisk: `core stop now` failed (%s); signalling", exc)
        if not wait_gone(pids, timeout):
            terminate(pids, timeout=5)
    unmounted = mounts.unmount_below(rt.root) if rt.root is not None else []
    rt.pidfile.unlink(missing_ok=True)
    return StopResult(pids, unmounted)


def _uptime(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("System uptime:"):
            return line.split(":", 1)[1].strip()
    return None


def status(rt: AsteriskRuntime) -> AsteriskStatus:
    pids = daemon_pids(rt)
    uptime = None
    if pids:
        try:
            uptime = _uptime(cli(rt, "core show uptime", PROBE_TIMEOUT))
        except ProvisionError:
            uptime = None
    return AsteriskStatus(
        running=bool(pids),
        pid=pids[0] if pids else None,
        mode=rt.mode,
        version=rt.version(),
        root=str(rt.root) if rt.root is not None else None,
        uptime=uptime,
        responding=uptime is not None,
    )
