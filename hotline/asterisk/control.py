"""Asterisk's control socket: one CLI command at a time through `asterisk -rx`, blocking or async."""

from __future__ import annotations

import asyncio
import subprocess
from typing import TYPE_CHECKING

from hotline.asterisk import provision
from hotline.asterisk.errors import AsteriskNotRunning, ProvisionError

if TYPE_CHECKING:
    from hotline.asterisk.runtime import AsteriskRuntime

PROBE_TIMEOUT = 5.0


def remote_argv(rt: AsteriskRuntime, command: str) -> list[str]:
    """argv of `asterisk -rx <command>` against this state dir's Asterisk."""
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
            remote_argv(rt, command),
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
        *remote_argv(rt, command),
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
