from __future__ import annotations

import struct
import subprocess
import wave
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hotline.services.callstore import host_recording_path
from hotline.services.recordings import (
    STATUS_EMPTY,
    STATUS_MISSING,
    STATUS_OK,
    measure,
    relative_path,
    wav_is_closed,
)


def _tone(path: Path, seconds: float) -> None:
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "synth", str(seconds), "sine", "440"],
        check=True,
    )


def test_a_finished_wav_is_measured(tmp_path: Path) -> None:
    wav = tmp_path / "call.wav"
    _tone(wav, 2.5)
    facts = measure(wav)
    assert facts.status == STATUS_OK
    assert facts.duration_s == pytest.approx(2.5, abs=0.01)
    assert facts.size_bytes == wav.stat().st_size
    assert facts.sha256 is not None and len(facts.sha256) == 64


def test_a_wav_still_being_written_is_not_closed(tmp_path: Path) -> None:
    wav = tmp_path / "open.wav"
    _tone(wav, 1)
    data = bytearray(wav.read_bytes())
    data[4:8] = struct.pack("<I", 36)  # what the header says before Asterisk closes the file
    wav.write_bytes(bytes(data))
    assert not wav_is_closed(wav)


def test_missing_and_empty_recordings_are_flagged(tmp_path: Path) -> None:
    assert measure(tmp_path / "none.wav").status == STATUS_MISSING
    empty = tmp_path / "empty.wav"
    with wave.open(str(empty), "wb") as w:  # a header and no audio: what MixMonitor leaves without RTP
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
    assert measure(empty).status == STATUS_EMPTY


def test_file_names_come_from_the_call_id_only() -> None:
    when = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert relative_path("0af3", when) == "2026/11/22/0af3.wav"
    with pytest.raises(ValueError):
        relative_path("../../etc/passwd", when)


def test_recording_paths_outside_the_spool_are_refused(tmp_path: Path) -> None:
    base = "/var/spool/asterisk/hotline-recordings"
    ok = host_recording_path(f"{base}/2026/11/22/abc", base, tmp_path, "wav")
    assert ok == tmp_path / "2026" / "11" / "22" / "abc.wav"
    assert host_recording_path(f"{base}/../../../etc/shadow", base, tmp_path, "wav") is None
    assert host_recording_path("/etc/shadow", base, tmp_path, "wav") is None
    assert host_recording_path(base, base, tmp_path, "wav") is None
