"""Installing Asterisk: the cached Debian sid root tarball, its extraction per state dir, files it needs."""

from __future__ import annotations

import collections
import fcntl
import logging
import os
import posixpath
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from hotline.asterisk import mounts
from hotline.asterisk.errors import ProvisionError

if TYPE_CHECKING:
    from hotline.asterisk.runtime import AsteriskRuntime

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]

SUITE = "sid"
PACKAGES = ("asterisk", "asterisk-modules", "asterisk-core-sounds-en-gsm", "asterisk-moh-opsound-gsm")
# The Debian package lacks the directory ARI `record` writes to (every recording would fail with 500).
RECORDING_HOOK = 'chroot "$1" install -d -o asterisk -g asterisk -m 750 /var/spool/asterisk/recording'
BUILD_TIMEOUT = 1800
EXTRACT_TIMEOUT = 900
MIRROR_TIMEOUT = 10.0
READY_MARKER = ".root-ready"


def require_root() -> None:
    if os.geteuid() != 0:
        raise ProvisionError("run as root: building and entering the Asterisk root needs mount and chroot")


def require_mmdebstrap() -> None:
    if shutil.which("mmdebstrap") is None:
        raise ProvisionError("install mmdebstrap: apt-get install mmdebstrap")


def check_mirror(url: str, timeout: float = MIRROR_TIMEOUT) -> None:
    """Fail fast, before a long build, when the Debian mirror cannot be reached."""
    release = f"{url.rstrip('/')}/dists/{SUITE}/Release"
    hint = "check the network, or set HOTLINE_DEBIAN_MIRROR to a reachable Debian mirror"
    try:
        response = httpx.head(release, timeout=timeout, follow_redirects=True)
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        raise ProvisionError(f"cannot reach the Debian mirror {url} ({reason}): {hint}") from exc
    if response.status_code >= 400:
        raise ProvisionError(
            f"the Debian mirror {url} answers HTTP {response.status_code} for {release}: {hint}"
        )


def mmdebstrap_argv(output: Path, mirror: str) -> list[str]:
    return [
        "mmdebstrap",
        "--variant=apt",
        "--format=tar",
        '--aptopt=Acquire::Check-Valid-Until "false"',
        f"--include={','.join(PACKAGES)}",
        f"--customize-hook={RECORDING_HOOK}",
        SUITE,
        str(output),
        mirror,
    ]


@contextmanager
def _locked(path: Path, progress: Progress, what: str) -> Iterator[None]:
    """An exclusive flock; several state dirs may share one cache directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress(f"waiting for another process to finish {what}")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _stop_group(proc: subprocess.Popen[str]) -> None:
    """SIGTERM lets mmdebstrap undo its own mounts; SIGKILL if it does not exit."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            continue


def stream(argv: list[str], progress: Progress, prefix: str, timeout: float) -> tuple[int, list[str]]:
    """Run argv, pass every output line to progress; returns (exit status, last lines)."""
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    expired = threading.Event()

    def on_timeout() -> None:
        expired.set()
        _stop_group(proc)

    timer = threading.Timer(timeout, on_timeout)
    timer.start()
    tail: collections.deque[str] = collections.deque(maxlen=15)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail.append(line.rstrip())
            progress(f"{prefix}{line.rstrip()}")
        proc.wait(timeout=30)
    finally:
        timer.cancel()
        _stop_group(proc)
    if expired.is_set():
        tail.append(f"(stopped: no result after {timeout:.0f} s)")
    return proc.returncode, list(tail)


def build_tarball(tarball: Path, mirror: str, progress: Progress, timeout: float = BUILD_TIMEOUT) -> None:
    """Build the Debian sid root with Asterisk into `tarball` (once per cache directory)."""
    with _locked(tarball.with_suffix(".lock"), progress, f"building {tarball}"):
        if tarball.exists():
            return
        require_mmdebstrap()
        check_mirror(mirror)
        partial = tarball.with_name(tarball.name + ".tmp")
        partial.unlink(missing_ok=True)
        progress(
            f"building the Asterisk root (Debian {SUITE}) from {mirror} into {tarball}; "
            "this downloads about 100 MB"
        )
        started = time.monotonic()
        status, tail = stream(mmdebstrap_argv(partial, mirror), progress, "mmdebstrap: ", timeout)
        if status != 0 or not partial.exists():
            partial.unlink(missing_ok=True)
            raise ProvisionError(f"mmdebstrap failed (exit status {status}): " + " | ".join(tail[-5:]))
        os.replace(partial, tarball)
        progress(f"built {tarball} in {time.monotonic() - started:.0f} s")


def _marker(rt: AsteriskRuntime) -> Path:
    return rt.state_dir / READY_MARKER


def root_ready(rt: AsteriskRuntime) -> bool:
    """The root was extracted completely (the marker is written last)."""
    return rt.root is not None and _marker(rt).exists() and (rt.root / "usr/sbin/asterisk").exists()


def remove_root(rt: AsteriskRuntime) -> None:
    """Delete the extracted root; everything mounted inside it is unmounted first, or nothing is deleted."""
    assert rt.root is not None
    _marker(rt).unlink(missing_ok=True)
    if not rt.root.exists():
        return
    mounts.unmount_below(rt.root)
    if mounts.mounts_below(rt.root):
        raise ProvisionError(f"{rt.root} still has mounts inside; not deleting it")
    shutil.rmtree(rt.root)


def extract_root(rt: AsteriskRuntime, progress: Progress) -> None:
    """Extract the cached tarball into this state dir's root (a half-extracted root is redone)."""
    assert rt.root is not None
    remove_root(rt)
    rt.root.mkdir(parents=True)
    progress(f"extracting {rt.tarball} into {rt.root}")
    started = time.monotonic()
    argv = ["tar", "--extract", "--numeric-owner", "--file", str(rt.tarball), "--directory", str(rt.root)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=EXTRACT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ProvisionError(f"extracting {rt.tarball} took longer than {EXTRACT_TIMEOUT} s") from exc
    if done.returncode != 0:
        raise ProvisionError(
            f"extracting {rt.tarball} failed: {done.stderr.strip()[-300:]} "
            "(delete it to rebuild: `hotline asterisk install --rebuild`)"
        )
    _marker(rt).write_text(f"{rt.tarball} {rt.tarball.stat().st_size}\n")
    progress(f"Asterisk root ready in {time.monotonic() - started:.0f} s")


def install(rt: AsteriskRuntime, progress: Progress, rebuild: bool = False) -> None:
    """Chroot mode: build the tarball if the cache lacks it, extract it if this state dir lacks it."""
    if rt.mode == "system":
        _check_system(rt, progress)
        return
    require_root()
    with _locked(rt.state_dir / ".install.lock", progress, f"installing into {rt.root}"):
        if rebuild:
            rt.tarball.unlink(missing_ok=True)
            remove_root(rt)
        if root_ready(rt):
            progress(f"Asterisk root already installed at {rt.root}")
            return
        if not rt.tarball.exists():
            build_tarball(rt.tarball, rt.settings.debian_mirror, progress)
        extract_root(rt, progress)


def _check_system(rt: AsteriskRuntime, progress: Progress) -> None:
    from hotline.asterisk.runtime import MIN_MAJOR, parse_major, probe_version

    version = probe_version(rt.command())
    if version is None:
        raise ProvisionError(
            "no working `asterisk` binary is on PATH for asterisk_mode=system: install "
            "Asterisk 22 or set HOTLINE_ASTERISK_MODE=chroot"
        )
    major = parse_major(version)
    if major is None or major < MIN_MAJOR:
        raise ProvisionError(
            f"the system Asterisk is {version}, the center needs {MIN_MAJOR} or newer: set "
            "HOTLINE_ASTERISK_MODE=chroot to run it from a Debian sid root"
        )
    if os.geteuid() == 0:
        asterisk_ids(rt)
    progress(f"using the system Asterisk {version} ({rt.binary}); nothing to install")


def _ids_from_passwd(passwd: Path, user: str) -> tuple[int, int] | None:
    try:
        lines = passwd.read_text().splitlines()
    except FileNotFoundError:
        return None
    for line in lines:
        fields = line.split(":")
        if len(fields) >= 4 and fields[0] == user:
            return int(fields[2]), int(fields[3])
    return None


def asterisk_ids(rt: AsteriskRuntime) -> tuple[int, int]:
    """uid and gid Asterisk runs as (`-U asterisk`): from the root's passwd, or the system's."""
    if rt.mode == "system" and os.geteuid() != 0:
        return os.getuid(), os.getgid()
    passwd = rt.root / "etc/passwd" if rt.root is not None else Path("/etc/passwd")
    ids = _ids_from_passwd(passwd, "asterisk")
    if ids is None:
        raise ProvisionError(
            f"{passwd} has no user `asterisk` to run Asterisk as: "
            + (
                "reinstall with `hotline asterisk install --rebuild`"
                if rt.root
                else "create it (adduser --system --group asterisk)"
            )
        )
    return ids


def ensure_dir(path: Path, uid: int, gid: int, mode: int | None = None) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        os.chown(path, uid, gid)
    if mode is not None:
        os.chmod(path, mode)


def grant_config(etc_dir: Path, gid: int) -> None:
    """Asterisk reads its config after dropping to `asterisk`: group-readable, and setgid so that files
    rendered later inherit the group."""
    etc_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return
    os.chown(etc_dir, 0, gid)
    os.chmod(etc_dir, 0o2750)
    for conf in etc_dir.iterdir():
        if conf.is_file() and not conf.is_symlink():
            os.chown(conf, 0, gid)
            os.chmod(conf, 0o640)


def check_reachable(path: Path, uid: int, gid: int) -> None:
    """A system Asterisk runs as `asterisk` and must be able to walk down to its state directory."""
    for parent in reversed(path.parents):
        st = parent.stat()
        if st.st_uid == uid and st.st_mode & 0o100 or st.st_gid == gid and st.st_mode & 0o010:
            continue
        if not st.st_mode & 0o001:
            raise ProvisionError(
                f"the asterisk user cannot reach {path}: {parent} is closed to others; "
                f"set HOTLINE_HOME elsewhere or run `chmod o+x {parent}`"
            )


def write_hosts(root: Path) -> None:
    """The sid root has no /etc/hosts; without one Asterisk resolves its own name over DNS per request."""
    name = socket.gethostname()
    text = f"127.0.0.1\tlocalhost {name}\n::1\tlocalhost ip6-localhost ip6-loopback\n"
    (root / "etc/hosts").write_text(text)


def prepare(rt: AsteriskRuntime) -> None:
    """Everything Asterisk needs on disk before it starts (the mounts are lifecycle.py's)."""
    uid, gid = asterisk_ids(rt)
    ensure_dir(rt.settings.recordings_dir, uid, gid, 0o750)
    grant_config(rt.etc_dir, gid)
    rt.settings.run_dir.mkdir(parents=True, exist_ok=True)
    rt.settings.log_dir.mkdir(parents=True, exist_ok=True)
    if rt.root is None and os.geteuid() == 0:
        check_reachable(rt.state_dir, uid, gid)
    if rt.root is not None:
        # The root's asterisk uid/gid may name someone else on the host: keep host users out of the
        # rendered config (secrets); Asterisk reaches it through the bind mount, not this path.
        os.chmod(rt.state_dir, 0o700)
        write_hosts(rt.root)
    dirs = rt.directories()
    for key in ("astrundir", "astlogdir", "astspooldir", "astvarlibdir", "astcachedir"):
        ensure_dir(rt.host_path(dirs[key]), uid, gid)
    sync_sounds(rt)


def _mirror_tree(src: Path, dst: Path) -> int:
    """Make dst hold exactly src's files; returns how many were copied (unchanged ones are skipped)."""
    dst.mkdir(parents=True, exist_ok=True)
    os.chmod(dst, 0o755)
    wanted: set[Path] = set()
    copied = 0
    for item in sorted(src.rglob("*")):
        rel = item.relative_to(src)
        wanted.add(rel)
        target = dst / rel
        if item.is_dir():
            target.mkdir(exist_ok=True)
            continue
        st = item.stat()
        if target.exists() and (target.stat().st_size, int(target.stat().st_mtime)) == (
            st.st_size,
            int(st.st_mtime),
        ):
            continue
        shutil.copy2(item, target)
        os.chmod(target, 0o644)
        copied += 1
    for extra in sorted(dst.rglob("*"), reverse=True):
        if extra.relative_to(dst) not in wanted:
            if extra.is_dir() and not extra.is_symlink():
                shutil.rmtree(extra)
            else:
                extra.unlink()
    return copied


def sync_sounds(rt: AsteriskRuntime) -> int:
    """Copy settings.sounds_dir/<lang>/hotline/* to where Asterisk finds `sound:hotline/<name>` in <lang>."""
    source = rt.settings.sounds_dir
    if not source.is_dir():
        return 0
    copied = 0
    for lang_dir in sorted(source.iterdir()):
        prompts = lang_dir / "hotline"
        if not prompts.is_dir():
            continue
        try:
            inner = rt.sounds_inner_dir(lang_dir.name)
        except ValueError:
            logger.warning("sounds: skipping %s (not a language code)", lang_dir)
            continue
        copied += _mirror_tree(prompts, rt.host_path(inner))
        said = lang_dir / "digits"  # ivr_prompts' files for Asterisk's own number saying
        if said.is_dir():
            copied += _mirror_tree(said, rt.host_path(posixpath.join(posixpath.dirname(inner), "digits")))
    logger.debug("sounds: copied %d files", copied)
    return copied
