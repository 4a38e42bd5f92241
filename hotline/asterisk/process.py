"""Asterisk processes of a state dir: which pids are its daemons, are they alive, signal them until gone."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING

from hotline.asterisk.errors import ProvisionError

if TYPE_CHECKING:
    from hotline.asterisk.runtime import AsteriskRuntime

logger = logging.getLogger(__name__)


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


def wait_gone(pids: list[int], timeout: float) -> bool:
    """True once every pid has exited; False if one still lives after `timeout` seconds."""
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


def terminate(pids: list[int], timeout: float) -> None:
    """SIGTERM, then SIGKILL if they outlive `timeout`; ProvisionError if even that fails."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        live = [p for p in pids if alive(p)]
        if not live:
            return
        logger.warning("asterisk: sending %s to %s", sig.name, live)
        _signal(live, sig)
        if wait_gone(live, wait):
            return
    raise ProvisionError(f"Asterisk (pid {pids}) did not exit even after SIGKILL")
