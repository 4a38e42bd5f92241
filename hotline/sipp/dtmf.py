"""RTP pcaps for SIPp's play_pcap_audio: RFC 4733 DTMF for a whole digit string, optionally inside audio.

Why our own: Debian's per-digit pcaps are slices of one capture, so replayed one after another a repeated
or lower digit goes back in sequence number or timestamp and Asterisk drops it ("4422" arrives as "4").
Here one stream (one SSRC, monotonic sequence numbers and timestamps) carries every digit, and when an
audio source is given the digits sit inside the caller's audio like a real phone sends them.

A "," in a digit string is a pause (DtmfTiming.pause_ms, instead of the gap) so a caller can walk IVR menus:
"9,1,1" presses 9, waits, presses 1, waits, presses 1. The pause is time without DTMF on the same stream.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

EVENT_CODES: dict[str, int] = {
    **{str(d): d for d in range(10)},
    "*": 10,
    "#": 11,
    "A": 12,
    "B": 13,
    "C": 14,
    "D": 15,
}
PAUSE = ","
DEFAULT_PAUSE_MS = 1500
DTMF_PT = 101
PCMA_PT = 8
SAMPLE_RATE = 8000
PACKET_MS = 20
SAMPLES_PER_PACKET = SAMPLE_RATE * PACKET_MS // 1000
END_RETRANSMITS = 3  # extra end-of-event packets, so one lost packet does not lose the digit
VOLUME = 10  # -dBm0 of the tone, reported in every event packet
SSRC = 0x484F_5431
PCMA_SILENCE = b"\xd5" * SAMPLES_PER_PACKET
FIRST_SEQ = 1000
FIRST_TS = 8000
_SRC = (bytes([192, 0, 2, 2]), 49170)  # RFC 5737 addresses: SIPp rewrites addresses and ports anyway
_DST = (bytes([192, 0, 2, 1]), 10000)
_PCAP_HEADER = struct.Struct("<IHHiIII")
_RECORD = struct.Struct("<IIII")
_RTP = struct.Struct("!BBHII")
_EVENT = struct.Struct("!BBH")
PCAP_MAGIC = 0xA1B2C3D4
_CAPTURE_START_US = 1_000_000
LINKTYPE_ETHERNET = 1


@dataclass(frozen=True)
class RtpPacket:
    """One RTP packet and when to send it (ms from the start of the stream)."""

    at_ms: int
    payload_type: int
    marker: bool
    seq: int
    timestamp: int
    ssrc: int
    payload: bytes

    def event(self) -> tuple[int, bool, int] | None:
        """(event code, end bit, duration) of a telephone-event packet, else None."""
        if self.payload_type != DTMF_PT or len(self.payload) < 4:
            return None
        code, flags, duration = _EVENT.unpack(self.payload[:4])
        return code, bool(flags & 0x80), duration


@dataclass(frozen=True)
class MediaPcap:
    """A generated pcap: where it is, how long it plays, and where the digits are in it."""

    path: Path
    duration_ms: int
    dtmf_start_ms: int
    dtmf_ms: int


@dataclass(frozen=True)
class DtmfTiming:
    """How digits are pressed: tone length, the gap between two digits, the pause of each ","."""

    tone_ms: int = 160
    gap_ms: int = 300
    pause_ms: int = DEFAULT_PAUSE_MS


DEFAULT_TIMING = DtmfTiming()


def check_digits(digits: str) -> str:
    """Return `digits` upper-cased, or raise ValueError naming the first character DTMF cannot send.

    "," (a pause) is allowed between, before and after digits, but not alone.
    """
    for ch in digits:
        if ch != PAUSE and ch.upper() not in EVENT_CODES:
            raise ValueError(f"{ch!r} in {digits!r} is not a DTMF digit (use 0-9, *, #, A-D; ',' pauses)")
    if digits and not digits.strip(PAUSE):
        raise ValueError(f"digits {digits!r} are only pauses: give at least one digit, or none")
    return digits.upper()


def presses(digits: str, timing: DtmfTiming = DEFAULT_TIMING) -> tuple[list[tuple[int, str]], int]:
    """The digits of `digits`, each with the idle ms before it, and the idle ms after the last one.

    Before a digit: the gap after another digit, the pause per "," in between instead (none at the start).
    """
    out: list[tuple[int, str]] = []
    idle = 0
    digits = check_digits(digits)
    for i, ch in enumerate(digits):
        if ch == PAUSE:
            idle += timing.pause_ms
            continue
        if i and digits[i - 1] != PAUSE:
            idle += timing.gap_ms
        out.append((idle, ch))
        idle = 0
    return out, idle


def dtmf_span_ms(digits: str, timing: DtmfTiming = DEFAULT_TIMING) -> int:
    """How long `digits` take in a stream built by build_stream (pauses, tones, end packets and gaps)."""
    items, trailing = presses(digits, timing)
    per_digit = (_tone_packets(timing.tone_ms) + END_RETRANSMITS) * PACKET_MS
    return sum(idle for idle, _ in items) + len(items) * per_digit + trailing


def _tone_packets(tone_ms: int) -> int:
    return max(tone_ms // PACKET_MS, 1)


class _Stream:
    """Appends 20 ms slots to one RTP stream; the media clock advances one packet per slot."""

    def __init__(self, audio: bytes) -> None:
        self.audio = audio
        self.audio_pos = 0
        self.slot = 0
        self.packets: list[RtpPacket] = []
        self.talkspurt = True

    def _add(self, pt: int, marker: bool, timestamp: int, payload: bytes) -> None:
        seq = (FIRST_SEQ + len(self.packets)) & 0xFFFF
        self.packets.append(
            RtpPacket(self.slot * PACKET_MS, pt, marker, seq, timestamp & 0xFFFFFFFF, SSRC, payload)
        )

    def clock(self) -> int:
        return FIRST_TS + self.slot * SAMPLES_PER_PACKET

    def idle(self, ms: int) -> None:
        """Audio for `ms` (or, with no audio source, nothing but time passing).

        Without audio a stream that starts idle opens with one silent packet: SIPp sends the first packet
        of a pcap at once and times the others from it, so the lead would otherwise be lost.
        """
        for _ in range(-(-ms // PACKET_MS)):
            if self.audio or not self.packets:
                payload = self._next_audio() if self.audio else PCMA_SILENCE
                self._add(PCMA_PT, self.talkspurt, self.clock(), payload)
                self.talkspurt = False
            self.slot += 1

    def _next_audio(self) -> bytes:
        out = bytearray()
        while len(out) < SAMPLES_PER_PACKET:
            chunk = self.audio[self.audio_pos : self.audio_pos + SAMPLES_PER_PACKET - len(out)]
            out += chunk
            self.audio_pos = (self.audio_pos + len(chunk)) % len(self.audio)
        return bytes(out)

    def digit(self, digit: str, tone_ms: int) -> None:
        """One telephone event: progress packets, the last with the end bit, then its retransmissions."""
        code, count = EVENT_CODES[digit], _tone_packets(tone_ms)
        start = self.clock()
        for i in range(count + END_RETRANSMITS):
            end = i >= count - 1
            duration = min(i + 1, count) * SAMPLES_PER_PACKET
            payload = _EVENT.pack(code, (0x80 if end else 0) | VOLUME, duration)
            self._add(DTMF_PT, i == 0, start, payload)
            self.slot += 1
        self.talkspurt = True


def build_stream(
    digits: str = "",
    *,
    lead_ms: int = 0,
    tail_ms: int = 0,
    timing: DtmfTiming = DEFAULT_TIMING,
    audio: bytes = b"",
) -> list[RtpPacket]:
    """RTP packets: `lead_ms` of audio, the digits (audio in the gaps and pauses), `tail_ms` of audio.

    `audio` is raw PCMA samples, looped as needed; empty means DTMF only (time still passes in the gaps).
    """
    items, trailing = presses(digits, timing)
    stream = _Stream(audio)
    stream.idle(lead_ms)
    for idle, digit in items:
        stream.idle(idle)
        stream.digit(digit, timing.tone_ms)
    stream.idle(trailing)
    stream.idle(tail_ms)
    return stream.packets


def _frame(rtp: bytes) -> bytes:
    """Ethernet + IPv4 + UDP around one RTP packet, as SIPp's pcap reader expects."""
    udp = struct.pack("!HHHH", _SRC[1], _DST[1], 8 + len(rtp), 0) + rtp
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, _SRC[0], _DST[0]))
    words = sum(struct.unpack("!10H", bytes(ip)))
    words = (words & 0xFFFF) + (words >> 16)
    ip[10:12] = struct.pack("!H", ~words & 0xFFFF)
    return b"\x00" * 12 + b"\x08\x00" + bytes(ip) + udp


def pcap_bytes(packets: Sequence[RtpPacket]) -> bytes:
    """A classic pcap file (Ethernet link type) holding `packets`.

    Capture times start at 1 s, not 0: SIPp (tcpreplay's do_sleep) takes a zero time for "no packet
    sent yet" and would send the second packet at once too, losing the time up to it.
    """
    out = [_PCAP_HEADER.pack(PCAP_MAGIC, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET)]
    for p in packets:
        rtp = _RTP.pack(0x80, (0x80 if p.marker else 0) | p.payload_type, p.seq, p.timestamp, p.ssrc)
        frame = _frame(rtp + p.payload)
        us = _CAPTURE_START_US + p.at_ms * 1000
        out.append(_RECORD.pack(us // 1_000_000, us % 1_000_000, len(frame), len(frame)) + frame)
    return b"".join(out)


def read_pcap(path: Path) -> list[RtpPacket]:
    """The RTP packets of a classic pcap (Ethernet or Linux cooked capture, IPv4/UDP)."""
    return list(_iter_pcap(path.read_bytes()))


def _iter_pcap(data: bytes) -> Iterator[RtpPacket]:
    magic, _, _, _, _, _, link = _PCAP_HEADER.unpack_from(data)
    if magic != PCAP_MAGIC:
        raise ValueError("not a little-endian microsecond pcap")
    link_len = {1: 14, 113: 16}.get(link)
    if link_len is None:
        raise ValueError(f"unsupported pcap link type {link}")
    off, first_us = _PCAP_HEADER.size, None
    while off + _RECORD.size <= len(data):
        sec, usec, incl, _ = _RECORD.unpack_from(data, off)
        frame = data[off + _RECORD.size : off + _RECORD.size + incl]
        off += _RECORD.size + incl
        at_us = sec * 1_000_000 + usec
        first_us = at_us if first_us is None else first_us
        ip = frame[link_len:]
        if len(ip) < 20 or ip[9] != 17:
            continue
        rtp = ip[(ip[0] & 0x0F) * 4 + 8 :]
        if len(rtp) < _RTP.size:
            continue
        _, mpt, seq, ts, ssrc = _RTP.unpack_from(rtp)
        yield RtpPacket(
            (at_us - first_us) // 1000, mpt & 0x7F, bool(mpt & 0x80), seq, ts, ssrc, rtp[_RTP.size :]
        )


def pcma_samples(path: Path) -> bytes:
    """The PCMA samples of every PT 8 packet in a pcap, concatenated (the caller's looped audio)."""
    samples = b"".join(p.payload for p in read_pcap(path) if p.payload_type == PCMA_PT)
    if not samples:
        raise ValueError(f"{path} has no PCMA (payload type 8) RTP packets")
    return samples


def media_pcap(
    cache_dir: Path,
    digits: str = "",
    *,
    lead_ms: int = 0,
    tail_ms: int = 0,
    timing: DtmfTiming = DEFAULT_TIMING,
    audio_source: Path | None = None,
) -> MediaPcap:
    """Build (or reuse from `cache_dir`) the pcap of build_stream(...) with audio from `audio_source`.

    Its dtmf_start_ms is where the first event starts (after the lead and any leading pause), and its
    dtmf_ms runs from there to the end of the digits and their trailing pause.
    """
    digits = check_digits(digits)
    source_id = ""
    if audio_source is not None:
        st = audio_source.stat()
        source_id = f"{audio_source.resolve()}:{st.st_size}:{st.st_mtime_ns}"
    key = f"v3|{digits}|{lead_ms}|{tail_ms}|{timing.tone_ms}|{timing.gap_ms}|{timing.pause_ms}|{source_id}"
    name = f"rtp-{'dtmf' if digits else 'audio'}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.pcap"
    path = cache_dir / name
    span = dtmf_span_ms(digits, timing)
    items, _ = presses(digits, timing)
    first = items[0][0] if items else 0
    result = MediaPcap(path, lead_ms + span + tail_ms, lead_ms + first if digits else 0, span - first)
    if path.exists():
        return result
    audio = pcma_samples(audio_source) if audio_source is not None else b""
    packets = build_stream(digits, lead_ms=lead_ms, tail_ms=tail_ms, timing=timing, audio=audio)
    _write_atomic(path, pcap_bytes(packets))
    return result


def dtmf_pcap(cache_dir: Path, digits: str, timing: DtmfTiming = DEFAULT_TIMING) -> MediaPcap:
    """The DTMF-only pcap for a whole digit string (no audio), cached in `cache_dir`."""
    if not digits:
        raise ValueError("no digits to send")
    return media_pcap(cache_dir, digits, timing=timing)


def _write_atomic(path: Path, data: bytes) -> None:
    # Several SIPp runs may ask for the same pcap at once: never let one read a half-written file.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pcap")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
