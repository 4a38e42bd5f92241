"""Where Asterisk runs: a system Asterisk 22, or a Debian sid root entered with chroot; paths both ways."""

from __future__ import annotations

import logging
import os
import platform
import posixpath
import re
import shutil
import subprocess
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Literal

from hotline.asterisk import control, lifecycle, process, provision
from hotline.asterisk.errors import AsteriskNotRunning, ProvisionError
from hotline.asterisk.lifecycle import AsteriskStatus, StartResult, StopResult
from hotline.settings import Settings

__all__ = [
    "AsteriskNotRunning",
    "AsteriskRuntime",
    "AsteriskStatus",
    "ProvisionError",
    "StartResult",
    "StopResult",
    "decide_mode",
    "parse_major",
]

logger = logging.getLogger(__name__)

Mode = Literal["system", "chroot"]
MIN_MAJOR = 22
TARBALL_NAME = "asterisk-rootfs-sid.tar"
CHROOT_RECORDINGS = "/var/spool/asterisk/hotline-recordings"
CHROOT_ETC = "/etc/asterisk"
_MULTIARCH = {"x86_64": "x86_64-linux-gnu", "aarch64": "aarch64-linux-gnu", "armv7l": "arm-linux-gnueabihf"}
_VERSION = re.compile(r"\s*(?:Asterisk\s+)?(?:certified[/-])?(\d+)\.")
_LANG = re.compile(r"^[A-Za-z0-9_-]+$")


def parse_major(version_text: str) -> int | None:
    """Major version of "Asterisk 22.10.1~dfsg-1" or "22.10.1" (-> 22); None if unknown."""
    match = _VERSION.match(version_text)
    return int(match.group(1)) if match else None


def probe_version(argv: list[str], timeout: float = 10) -> str | None:
    """Run `<argv> -V`; the text after "Asterisk ", or None if it cannot run."""
    try:
        done = subprocess.run([*argv, "-V"], capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.debug("asterisk -V via %s failed: %s", argv, exc)
        return None
    text = done.stdout.strip()
    if done.returncode != 0 or not text.startswith("Asterisk"):
        return None
    return text.split(None, 1)[1] if " " in text else text


def decide_mode(requested: str, system_version: str | None) -> Mode:
    """system if asked, or in auto mode when the system Asterisk is at least 22; chroot otherwise."""
    if requested == "system":
        return "system"
    if requested == "chroot":
        return "chroot"
    major = parse_major(system_version) if system_version else None
    return "system" if major is not None and major >= MIN_MAJOR else "chroot"


def resolve_in_root(root: Path, inner: str, max_links: int = 40) -> Path:
    """The host path of `inner` as a process chrooted in `root` sees it: symlinks never leave the root."""
    pending = [p for p in inner.split("/") if p not in ("", ".")]
    resolved: list[str] = []
    links = 0
    while pending:
        part = pending.pop(0)
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = root.joinpath(*resolved, part)
        if candidate.is_symlink():
            links += 1
            if links > max_links:
                raise ProvisionError(f"too many symbolic links while resolving {inner} in {root}")
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
            pending = [p for p in target.split("/") if p not in ("", ".")] + pending
            continue
        resolved.append(part)
    return root.joinpath(*resolved)


def _noop(message: str) -> None:
    logger.info("%s", message)


class AsteriskRuntime:
    """One Asterisk for one state directory: its paths, its install, its process."""

    def __init__(self, settings: Settings, mode: Mode, binary: str | None = None) -> None:
        self.settings = settings
        self.mode: Mode = mode
        self.binary = binary or shutil.which("asterisk") or "asterisk"
        self.state_dir = settings.home / "asterisk"
        self.etc_dir = self.state_dir / "etc"
        self.root: Path | None = self.state_dir / "root" if mode == "chroot" else None
        self.tarball = settings.cache / TARBALL_NAME
        self.pidfile = settings.run_dir / "asterisk.pid"
        self.out_file = settings.log_dir / "asterisk.out"

    @classmethod
    def from_settings(cls, settings: Settings) -> AsteriskRuntime:
        """Pick the mode from settings.asterisk_mode and what `asterisk -V` on PATH reports."""
        binary = shutil.which("asterisk")
        version = probe_version([binary]) if binary and settings.asterisk_mode != "chroot" else None
        mode = decide_mode(settings.asterisk_mode, version)
        logger.debug("asterisk: mode %s (system binary %s, version %s)", mode, binary, version)
        return cls(settings, mode, binary)

    # ---- paths -------------------------------------------------------------------------------

    @property
    def conf_inner(self) -> str:
        """asterisk.conf as Asterisk is told with -C."""
        if self.mode == "chroot":
            return f"{CHROOT_ETC}/asterisk.conf"
        return str(self.etc_dir / "asterisk.conf")

    @property
    def recordings_inner(self) -> str:
        """The directory Asterisk writes recordings to; the host sees it as settings.recordings_dir."""
        return CHROOT_RECORDINGS if self.mode == "chroot" else str(self.settings.recordings_dir)

    @cached_property
    def _moddir(self) -> str:
        triplet = _MULTIARCH.get(platform.machine(), "")
        if self.mode == "chroot":
            assert self.root is not None
            found = sorted(self.root.glob("usr/lib/*/asterisk/modules"))
            if found:
                return "/" + str(found[0].relative_to(self.root))
            return f"/usr/lib/{triplet}/asterisk/modules" if triplet else "/usr/lib/asterisk/modules"
        candidates = [f"/usr/lib/{triplet}/asterisk/modules", "/usr/lib64/asterisk/modules"]
        return next((c for c in candidates if Path(c).is_dir()), "/usr/lib/asterisk/modules")

    @cached_property
    def _datadir(self) -> str:
        if self.mode == "chroot":
            return "/usr/share/asterisk"
        return next(
            (d for d in ("/usr/share/asterisk", "/var/lib/asterisk") if Path(d, "sounds").is_dir()),
            "/usr/share/asterisk",
        )

    def directories(self) -> dict[str, str]:
        """The [directories] of asterisk.conf, as Asterisk sees them."""
        if self.mode == "chroot":
            lib = "/var/lib/asterisk"
            return {
                "astetcdir": CHROOT_ETC,
                "astmoddir": self._moddir,
                "astvarlibdir": lib,
                "astdbdir": lib,
                "astkeydir": lib,
                "astdatadir": self._datadir,
                "astagidir": f"{self._datadir}/agi-bin",
                "astspooldir": "/var/spool/asterisk",
                "astrundir": "/var/run/asterisk",
                "astlogdir": "/var/log/asterisk",
                "astsbindir": "/usr/sbin",
                "astcachedir": "/var/cache/asterisk",
            }
        state = self.state_dir
        return {
            "astetcdir": str(self.etc_dir),
            "astmoddir": self._moddir,
            "astvarlibdir": str(state / "lib"),
            "astdbdir": str(state / "lib"),
            "astkeydir": str(state / "lib"),
            "astdatadir": self._datadir,
            "astagidir": f"{self._datadir}/agi-bin",
            "astspooldir": str(state / "spool"),
            "astrundir": str(state / "run"),
            "astlogdir": str(state / "log"),
            "astsbindir": str(Path(self.binary).parent),
            "astcachedir": str(state / "cache"),
        }

    def host_path(self, inner: str) -> Path:
        """The host path of a path Asterisk sees; the bind-mounted etc and recordings map to their sources."""
        normal = posixpath.normpath("/" + inner.lstrip("/"))
        if self.mode == "system":
            return Path(normal)
        assert self.root is not None
        for base, host in ((CHROOT_ETC, self.etc_dir), (CHROOT_RECORDINGS, self.settings.recordings_dir)):
            if normal == base or normal.startswith(base + "/"):
                return host / normal[len(base) :].lstrip("/")
        return resolve_in_root(self.root, normal)

    def queue_log_path(self) -> Path:
        """Host path of app_queue's queue_log file (the source of queue accounting)."""
        return self.host_path(self.directories()["astlogdir"] + "/queue_log")

    def sounds_inner_dir(self, lang: str) -> str:
        """Where Asterisk looks for `sound:hotline/<name>` played with language `lang`."""
        if not _LANG.match(lang):
            raise ValueError(f"not a language code: {lang!r}")
        return f"{self.directories()['astdatadir']}/sounds/{lang}/hotline"

    def command(self, *args: str) -> list[str]:
        """argv running the asterisk binary (inside the root in chroot mode)."""
        if self.mode == "chroot":
            assert self.root is not None
            return ["chroot", str(self.root), "asterisk", *args]
        return [self.binary, *args]

    # ---- install and version -----------------------------------------------------------------

    def is_installed(self) -> bool:
        if self.mode == "system":
            return shutil.which(self.binary) is not None
        return provision.root_ready(self)

    def version(self) -> str | None:
        """The installed Asterisk's version text ("22.10.1~dfsg..."), or None if not installed."""
        if not self.is_installed():
            return None
        if self.mode == "chroot" and os.geteuid() != 0:
            return None
        return probe_version(self.command())

    def install(self, progress: Callable[[str], None] = _noop, rebuild: bool = False) -> None:
        """Make Asterisk runnable: build the cached root tarball and extract it (chroot mode); idempotent."""
        if rebuild and process.daemon_pids(self):
            raise ProvisionError("Asterisk is running: stop it first (`hotline asterisk stop`)")
        provision.install(self, progress, rebuild)

    def sync_sounds(self) -> int:
        """Copy settings.sounds_dir/<lang>/hotline into Asterisk's sounds; returns the files copied."""
        return provision.sync_sounds(self)

    # ---- process -----------------------------------------------------------------------------

    def start(self, timeout: float = 60, progress: Callable[[str], None] = _noop) -> StartResult:
        """Start Asterisk and wait until fully booted; returns at once if it already runs."""
        return lifecycle.start(self, timeout, progress)

    def stop(self, timeout: float = 20) -> StopResult:
        """Stop Asterisk and unmount everything under the root; fine when already stopped."""
        return lifecycle.stop(self, timeout)

    def status(self) -> AsteriskStatus:
        return lifecycle.status(self)

    def cli(self, command: str, timeout: float = 10) -> str:
        """Run one Asterisk CLI command and return its output."""
        return control.cli(self, command, timeout)

    async def acli(self, command: str, timeout: float = 10) -> str:
        """`cli` for asyncio callers: the subprocess never blocks the event loop."""
        return await control.acli(self, command, timeout)
