"""Waiting for Asterisk to close a recording: on the event loop, so recordings that never come do
not hold the worker threads every other request needs."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

from hotline.services.callstore import closed_and_measured


def _wav(path: Path, frames: int) -> None:
    """A closed 8 kHz 16-bit mono WAV file of `frames` samples (RIFF sizes written)."""
    data = b"\x10\x00" * frames
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + len(data))
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
        + b"data"
        + struct.pack("<I", len(data))
    )
    path.write_bytes(header + data)


def test_a_recording_that_never_comes_is_missing(tmp_path: Path) -> None:
    facts = asyncio.run(closed_and_measured(tmp_path / "none.wav", timeout=0.5, poll=0.05))
    assert facts.status == "missing"


def test_a_recording_closed_during_the_wait_is_measured(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"

    async def scenario() -> str:
        waiting = asyncio.create_task(closed_and_measured(path, timeout=5.0, poll=0.05))
        await asyncio.sleep(0.2)
        _wav(path, 8000)  # one second of audio, closed
        return (await waiting).status

    assert asyncio.run(scenario()) == "ok"


def test_waiting_recordings_leave_the_worker_threads_free(tmp_path: Path) -> None:
    async def scenario() -> tuple[bool, int]:
        waits = [
            asyncio.create_task(closed_and_measured(tmp_path / f"{i}.wav", timeout=1.5, poll=0.05))
            for i in range(40)  # far more than the default pool's threads
        ]
        await asyncio.sleep(0.1)
        await asyncio.to_thread(lambda: None)  # another request's database work
        pending = sum(1 for w in waits if not w.done())
        await asyncio.gather(*waits)
        return pending == len(waits), pending

    all_pending, _ = asyncio.run(scenario())
    assert all_pending, "the other work waited for the recordings"
