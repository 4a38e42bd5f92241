"""The Asterisk process: mount, spawn, wait until fully booted, stop, status, one-shot CLI commands."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotline.asterisk import mounts, ports, provision
from hotline.asterisk.errors import AsteriskNotRunning, ProvisionError

if TYPE_CHECKING:
    from hotline.asterisk.runtime import AsteriskRuntime

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]
PROBE_TIMEOUT = 5.0
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


# ---- processes -------------------------------------------------------------------------------


def alive(pid: int) -> bool:
    """True for a live process; a zombie counts as dead (and is reaped if it is our child)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def read_pidfile(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _argv(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def _plain_asterisk(args: list[str]) -> bool:
    """An asterisk daemon's argv, not a remote console's (`asterisk -rx ...`)."""
    return (
        bool(args)
        and os.path.basename(args[0]) == "asterisk"
        and not any(a.startswith(("-r", "-R")) for a in args[1:])
    )


def is_daemon_of(rt: AsteriskRuntime, pid: int) -> bool:
    """Is `pid` this state dir's Asterisk daemon (not a remote console `asterisk -rx`)?"""
    args = _argv(pid)
    if not _plain_asterisk(args):
        return False
    if rt.root is None:
        return rt.conf_inner in args
    try:
        return os.readlink(f"/proc/{pid}/root") == os.path.realpath(rt.root)
    except PermissionError:
        # without root another user's /proc/<pid>/root is unreadable: trust our own pidfile
        return pid == read_pidfile(rt.pidfile)
    except OSError:
        return False


def daemon_pids(rt: AsteriskRuntime) -> list[int]:
    """Every live Asterisk daemon of this state dir: any found in /proc, and the pidfile's."""
    found = {int(p) for p in os.listdir("/proc") if p.isdigit() and is_daemon_of(rt, int(p))}
    return sorted(pid for pid in found if alive(pid))


def _wait_gone(pids: list[int], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _signal(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _terminate(pids: list[int], timeout: float) -> None:
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        live = [p for p in pids if alive(p)]
        if not live:
            return
        logger.warning("asterisk: sending %s to %s", sig.name, live)
        _signal(live, sig)
        if _wait_gone(live, wait):
            return
    raise ProvisionError(f"Asterisk (pid {pids}) did not exit even after SIGKILL")


# ---- control socket --------------------------------------------------------------------------


def _remote(rt: AsteriskRuntime, command: str) -> list[str]:
    return rt.command("-C", rt.conf_inner, "-rx", command)


def _cli_output(rc: int | None, out: str) -> str:
    if rc != 0 or out.startswith("Unable to connect"):
        raise AsteriskNotRunning(
            "Asterisk is not running (its control socket does not answer): "
            "start it with `hotline asterisk start`"
        )
    return out


def _require_cli(rt: AsteriskRuntime) -> None:
    if rt.mode == "chroot":
        provision.require_root()
        if not provision.root_ready(rt):
            raise AsteriskNotRunning(
                "Asterisk is not installed in this state directory: run `hotline asterisk install`"
            )


def cli(rt: AsteriskRuntime, command: str, timeout: float = 10) -> str:
    """Run one CLI command through the control socket; AsteriskNotRunning if nothing answers."""
    _require_cli(rt)
    try:
        done = subprocess.run(
            _remote(rt, command),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise ProvisionError(f"Asterisk did not answer `{command}` within {timeout:.0f} s") from exc
    return _cli_output(done.returncode, done.stdout)


async def acli(rt: AsteriskRuntime, command: str, timeout: float = 10) -> str:
    """cli() without blocking the event loop."""
    _require_cli(rt)
    proc = await asyncio.create_subprocess_exec(
        *_remote(rt, command),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError as exc:
        proc.kill()
        await proc.wait()
        raise ProvisionError(f"Asterisk did not answer `{command}` within {timeout:.0f} s") from exc
    return _cli_output(proc.returncode, out.decode(errors="replace"))


def answers(rt: AsteriskRuntime, timeout: float = PROBE_TIMEOUT) -> bool:
    try:
        cli(rt, "core show uptime", timeout)
    except ProvisionError:
        return False
    return True


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
                _remote(rt, "core waitfullybooted"),
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
        _terminate([proc.pid, *daemon_pids(rt)], timeout=5)
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
        if not _wait_gone(pids, timeout):
            _terminate(pids, timeout=5)
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
