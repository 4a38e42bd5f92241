"""Recording files: where they go, when MixMonitor has finished them, and what they hold."""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hotline.services.numbers import is_safe_token

STATUS_OK = "ok"
STATUS_EMPTY = "empty"
STATUS_MISSING = "missing"
STATUS_INCOMPLETE = "incomplete"
WAV_HEADER = 44


def relative_path(call_uid: str, started: datetime, fmt: str = "wav") -> str:
    """`YYYY/MM/DD/<call uid>.<fmt>`: the file name comes from the call id, never from caller input."""
    if not is_safe_token(call_uid):
        raise ValueError(f"unsafe call id {call_uid!r}")
    return f"{started:%Y/%m/%d}/{call_uid}.{fmt}"


def make_dirs_as(path: Path, owner_of: Path) -> None:
    """mkdir -p `path`, each new directory owned like `owner_of` (the recordings directory, Asterisk's
    user): Asterisk records into the same tree, and a directory only root may write would stop it."""
    owner = owner_of.stat()
    missing: list[Path] = []
    cursor = path
    while not cursor.exists():
        missing.append(cursor)
        cursor = cursor.parent
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True)
        with contextlib.suppress(PermissionError):
            os.chown(directory, owner.st_uid, owner.st_gid)


def wav_is_closed(path: Path) -> bool:
    """Asterisk writes the RIFF sizes on close: a closed WAV's RIFF size is the file size minus 8."""
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
            size = path.stat().st_size
    except FileNotFoundError:
        return False
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return False
    (riff,) = struct.unpack("<I", head[4:8])
    return riff == size - 8 and (size > WAV_HEADER or riff == WAV_HEADER - 8)


def wait_closed(path: Path, timeout: float = 10.0, poll: float = 0.2) -> bool:
    """Block until the WAV file is finalised and its size is stable (runs in a worker thread)."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        if wav_is_closed(path):
            size = path.stat().st_size
            if size == last:
                return True
            last = size
        time.sleep(poll)
    return False


@dataclass(frozen=True)
class RecordingFacts:
    status: str
    duration_s: float | None
    size_bytes: int | None
    sha256: str | None


def sox_duration(path: Path) -> float | None:
    proc = subprocess.run(["sox", "--i", "-D", str(path)], capture_output=True, text=True, timeout=20)
    if proc.returncode != 0:
        return None
    try:
        return float(proc.stdout.strip())
    except ValueError:
        return None


def measure(path: Path) -> RecordingFacts:
    """Duration (sox), size and sha256 of a finished file; a missing or empty file is flagged."""
    if not path.exists():
        return RecordingFacts(STATUS_MISSING, None, None, None)
    size = path.stat().st_size
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    duration = sox_duration(path)
    if size <= WAV_HEADER or not duration:
        return RecordingFacts(STATUS_EMPTY, duration or 0.0, size, digest)
    status = STATUS_OK if wav_is_closed(path) else STATUS_INCOMPLETE
    return RecordingFacts(status, duration, size, digest)


def resolve_inside(recordings_dir: Path, stored: str) -> Path | None:
    """The real path of a recording row's `path` (absolute, or relative to the recordings directory)
    when it lies strictly inside that directory, links followed; None when it points anywhere else."""
    try:
        root = Path(os.path.realpath(recordings_dir))
        real = Path(os.path.realpath(recordings_dir / stored))  # an absolute `stored` replaces the base
    except (OSError, ValueError):  # a NUL byte or a link loop
        return None
    return real if real != root and real.is_relative_to(root) else None


def file_status(path: Path) -> str:
    """A quick look without sox: missing, empty (a WAV header at most) or ok."""
    try:
        size = path.stat().st_size
    except (FileNotFoundError, NotADirectoryError):
        return STATUS_MISSING
    return STATUS_EMPTY if size <= WAV_HEADER else STATUS_OK
