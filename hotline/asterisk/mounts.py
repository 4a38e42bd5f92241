"""Mounts under the Asterisk root: read /proc/self/mountinfo, mount, and unmount only below the root."""

from __future__ import annotations

import logging
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from hotline.asterisk.errors import ProvisionError

logger = logging.getLogger(__name__)

MOUNT_TIMEOUT = 15
_ESCAPE = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True)
class Mount:
    """One line of mountinfo: its order in the file, where it is mounted and what it is."""

    index: int
    mountpoint: str
    fstype: str
    source: str


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes (\\040 ...)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> list[Mount]:
    """Parse the text of /proc/<pid>/mountinfo (see proc(5))."""
    mounts = []
    for index, line in enumerate(text.splitlines()):
        fields = line.split()
        if "-" not in fields or len(fields) < 5:
            continue
        sep = fields.index("-")
        fstype = fields[sep + 1] if len(fields) > sep + 1 else ""
        source = _unescape(fields[sep + 2]) if len(fields) > sep + 2 else ""
        mounts.append(Mount(index, _unescape(fields[4]), fstype, source))
    return mounts


def read_mounts() -> list[Mount]:
    return parse_mountinfo(Path("/proc/self/mountinfo").read_text())


def is_below(path: str, root: str) -> bool:
    """True when `path` lies strictly inside `root` (the root itself is not below itself)."""
    root = root.rstrip("/")
    return bool(root) and path.startswith(root + "/")


def mounts_below(root: Path, mounts: list[Mount] | None = None) -> list[Mount]:
    """Mounts strictly inside `root`, in the order to unmount them: deepest and latest first."""
    real = os.path.realpath(root)
    found = [m for m in (read_mounts() if mounts is None else mounts) if is_below(m.mountpoint, real)]
    return sorted(found, key=lambda m: (m.mountpoint.count("/"), m.index), reverse=True)


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=MOUNT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ProvisionError(f"`{' '.join(argv)}` did not finish within {MOUNT_TIMEOUT} s") from exc


def mount(root: Path, target: Path, source: str, fstype: str | None = None) -> None:
    """Mount `source` on `target` (a bind mount unless `fstype`), made private; target must be in root."""
    if not is_below(os.path.realpath(target), os.path.realpath(root)):
        raise ProvisionError(f"refusing to mount on {target}: it is outside the Asterisk root {root}")
    target.mkdir(parents=True, exist_ok=True)
    kind = ["-t", fstype] if fstype else ["--bind"]
    argv = ["mount", *kind, source, str(target)]
    for step in (argv, ["mount", "--make-private", str(target)]):
        done = _run(step)
        if done.returncode != 0:
            raise ProvisionError(f"`{' '.join(step)}` failed: {done.stderr.strip() or done.stdout.strip()}")
    logger.debug("mounted %s on %s", source, target)


def unmount_below(root: Path) -> list[str]:
    """Unmount everything mounted inside `root` (never `root` itself or anything outside it)."""
    done: list[str] = []
    for m in mounts_below(root):
        result = _run(["umount", m.mountpoint])
        if result.returncode != 0:
            logger.warning("umount %s failed (%s); detaching it lazily", m.mountpoint, result.stderr.strip())
            _run(["umount", "--lazy", m.mountpoint])
        done.append(m.mountpoint)
    left = mounts_below(root)
    if left:
        names = ", ".join(m.mountpoint for m in left)
        raise ProvisionError(f"could not unmount {names}: a process may still use them (see `fuser -m`)")
    return done


def mountpoints(root: Path) -> set[str]:
    return {m.mountpoint for m in mounts_below(root)}
