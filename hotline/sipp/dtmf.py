"""RTP pcaps for SIPp's play_pcap_audio: RFC 4733 DTMF for a whole digit string, optionally inside audio.

Why our own: Debian's per-digit pcaps are slices of one capture, so replayed one after another a repeated
or lower digit goes back in sequence number or timestamp and Asterisk drops it ("4422" arrives as "4").
Here one stream (one SSRC, monotonic sequence numbers and timestamps) carries every digit, and when an
audio source is given the digits sit inside the caller's audio like a real phone sends them.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

EVENT_CODES: dict[str, int] = {**{str(d): d for d in range(10)}, "*": 10, "#": 11, "A": 12, "B": 13, "C": 14,
                               "D": 15}
DTMF_PT = 101
PCMA_PT = 8
SAMPLE_RATE = 8000
PACKET_MS = 20
SAMPLES_PER_PACKET = SAMPLE_RATE * PACKET_MS // 1000
END_RETRANSMITS = 3  # extra end-of-event packets, so one lost packet does not lose the digit
VOLUME = 10  # -dBm0 of the tone, reported in every event packet
SSRC = 0x484F_5431
FIRST_SEQ = 1000
FIRST_TS = 8000
_SRC = (bytes([192, 0, 2, 2]), 49170)  # RFC 5737 addresses: SIPp rewrites addresses and ports anyway
_DST = (bytes([192, 0, 2, 1]), 10000)
_PCAP_HEADER = struct.Struct("<IHHiIII")
_RECORD = struct.Struct("<IIII")
_RTP = struct.Struct("!BBHII")
_EVENT = struct.Struct("!BBH")
PCAP_MAGIC = 0xA1B2C3D4
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


def check_digits(digits: str) -> str:
    """Return `digits` upper-cased, or raise ValueError naming the first character DTMF cannot send."""
    for ch in digits:
        if ch.upper() not in EVENT_CODES:
            raise ValueError(f"{ch!r} is not a DTMF digit (use 0-9, *, #, A-D)")
    return digits.upper()


def dtmf_span_ms(digits: str, tone_ms: int = 160, gap_ms: int = 300) -> int:
    """How long `digits` take in a stream built by build_stream (tones, end packets and gaps)."""
    if not digits:
        return 0
    per_digit = (_tone_packets(tone_ms) + END_RETRANSMITS) * PACKET_MS
    return len(digits) * per_digit + (len(digits) - 1) * gap_ms


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
        self.packets.append(RtpPacket(self.slot * PACKET_MS, pt, marker, seq, timestamp & 0xFFFFFFFF,
                                      SSRC, payload))

    def clock(self) -> int:
        return FIRST_TS + self.slot * SAMPLES_PER_PACKET

    def idle(self, ms: int) -> None:
        """Audio for `ms` (or, with no audio source, nothing but time passing)."""
        for _ in range(-(-ms // PACKET_MS)):
            if self.audio:
                self._add(PCMA_PT, self.talkspurt, self.clock(), self._next_audio())
                self.talkspurt = False
            self.slot += 1

    def _next_audio(self) -> bytes:
        out = bytearray()
        while len(out) < SAMPLES_PER_PACKET:
            chunk = self.audio[self.audio_pos:self.audio_pos + SAMPLES_PER_PACKET - len(out)]
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


def build_stream(digits: str = "", *, lead_ms: int = 0, tail_ms: int = 0, tone_ms: int = 160,
                 gap_ms: int = 300, audio: bytes = b"") -> list[RtpPacket]:
    """RTP packets: `lead_ms` of audio, the digits (`gap_ms` of audio between them), `tail_ms` of audio.

    `audio` is raw PCMA samples, looped as needed; empty means DTMF only (time still passes in the gaps).
    """
    digits = check_digits(digits)
    stream = _Stream(audio)
    stream.idle(lead_ms)
    for i, digit in enumerate(digits):
        if i:
            stream.idle(gap_ms)
        stream.digit(digit, tone_ms)
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
    """A classic pcap file (Ethernet link type) holding `packets`."""
    out = [_PCAP_HEADER.pack(PCAP_MAGIC, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET)]
    for p in packets:
        rtp = _RTP.pack(0x80, (0x80 if p.marker else 0) | p.payload_type, p.seq, p.timestamp, p.ssrc)
        frame = _frame(rtp + p.payload)
        us = p.at_ms * 1000
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
        frame = data[off + _RECORD.size:off + _RECORD.size + incl]
        off += _RECORD.size + incl
        at_us = sec * 1_000_000 + usec
        first_us = at_us if first_us is None else first_us
        ip = frame[link_len:]
        if len(ip) < 20 or ip[9] != 17:
            continue
        rtp = ip[(ip[0] & 0x0F) * 4 + 8:]
        if len(rtp) < _RTP.size:
            continue
        _, mpt, seq, ts, ssrc = _RTP.unpack_from(rtp)
        yield RtpPacket((at_us - first_us) // 1000, mpt & 0x7F, bool(mpt & 0x80), seq, ts, ssrc,
                        rtp[_RTP.size:])


def pcma_samples(path: Path) -> bytes:
    """The PCMA samples of every PT 8 packet in a pcap, concatenated (the caller's looped audio)."""
    samples = b"".join(p.payload for p in read_pcap(path) if p.payload_type == PCMA_PT)
    if not samples:
        raise ValueError(f"{path} has no PCMA (payload type 8) RTP packets")
    return samples


def media_pcap(cache_dir: Path, digits: str = "", *, lead_ms: int = 0, tail_ms: int = 0,
               tone_ms: int = 160, gap_ms: int = 300, audio_source: Path | None = None) -> MediaPcap:
    """Build (or reuse from `cache_dir`) the pcap of build_stream(...) with audio from `audio_source`."""
    digits = check_digits(digits)
    source_id = ""
    if audio_source is not None:
        st = audio_source.stat()
        source_id = f"{audio_source.resolve()}:{st.st_size}:{st.st_mtime_ns}"
    key = f"v1|{digits}|{lead_ms}|{tail_ms}|{tone_ms}|{gap_ms}|{source_id}"
    name = f"rtp-{'dtmf' if digits else 'audio'}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.pcap"
    path = cache_dir / name
    span = dtmf_span_ms(digits, tone_ms, gap_ms)
    result = MediaPcap(path, lead_ms + span + tail_ms, lead_ms if digits else 0, span)
    if path.exists():
        return result
    audio = pcma_samples(audio_source) if audio_source is not None else b""
    packets = build_stream(digits, lead_ms=lead_ms, tail_ms=tail_ms, tone_ms=tone_ms, gap_ms=gap_ms,
                           audio=audio)
    _write_atomic(path, pcap_bytes(packets))
    return result


def dtmf_pcap(cache_dir: Path, digits: str, *, tone_ms: int = 160, gap_ms: int = 300) -> MediaPcap:
    """The DTMF-only pcap for a whole digit string (no audio), cached in `cache_dir`."""
    if not digits:
        raise ValueError("no digits to send")
    return media_pcap(cache_dir, digits, tone_ms=tone_ms, gap_ms=gap_ms)


def _write_atomic(path: Path, data: bytes) -> None:
    # Several SIPp runs may ask for the same pcap at once: never let one read a half-written file.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pcap")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
