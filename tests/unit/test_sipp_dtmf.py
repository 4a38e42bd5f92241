"""RFC 4733 pcaps from hotline.sipp.dtmf, parsed back independently of the module's own reader."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import pytest

from hotline.sipp import dtmf

CODES = {"4": 4, "2": 2, "*": 10, "#": 11}


@dataclass
class Packet:
    at_us: int
    marker: bool
    pt: int
    seq: int
    ts: int
    ssrc: int
    payload: bytes
    dport: int


def parse(path: Path) -> tuple[int, list[Packet]]:
    data = path.read_bytes()
    magic, _, _, _, _, _, link = struct.unpack_from("<IHHiIII", data)
    assert magic == 0xA1B2C3D4
    off, packets, first_us = 24, [], None
    while off < len(data):
        sec, usec, incl, orig = struct.unpack_from("<IIII", data, off)
        assert incl == orig
        frame = data[off + 16 : off + 16 + incl]
        off += 16 + incl
        assert frame[12:14] == b"\x08\x00"  # IPv4 over Ethernet
        ip = frame[14:]
        assert ip[9] == 17 and struct.unpack_from("!H", ip, 2)[0] == len(ip)
        _, dport, ulen, _ = struct.unpack_from("!HHHH", ip, 20)
        assert ulen == len(ip) - 20
        rtp = ip[28:]
        b0, b1, seq, ts, ssrc = struct.unpack_from("!BBHII", rtp)
        assert b0 == 0x80
        first_us = sec * 1_000_000 + usec if first_us is None else first_us
        at_us = sec * 1_000_000 + usec - first_us  # SIPp replays relative to the first packet
        assert at_us >= 0 and sec > 0, "a zero capture time makes SIPp send the next packet at once"
        packets.append(Packet(at_us, bool(b1 & 0x80), b1 & 0x7F, seq, ts, ssrc, rtp[12:], dport))
    return link, packets


def events(packets: list[Packet]) -> list[tuple[int, int, bool, int, int]]:
    """(ts, code, end, duration, seq) of every telephone-event packet."""
    out = []
    for p in packets:
        if p.pt == 101:
            code, flags, duration = struct.unpack_from("!BBH", p.payload)
            out.append((p.ts, code, bool(flags & 0x80), duration, p.seq))
    return out


def test_every_digit_of_a_string_with_repeats_is_its_own_event(tmp_path: Path) -> None:
    pcap = dtmf.dtmf_pcap(tmp_path, "4422*#")
    link, packets = parse(pcap.path)

    assert link == 1
    assert {p.pt for p in packets} == {101}
    by_ts: dict[int, list[tuple[int, bool, int]]] = {}
    for ts, code, end, duration, _ in events(packets):
        by_ts.setdefault(ts, []).append((code, end, duration))
    assert [evs[0][0] for _, evs in sorted(by_ts.items())] == [4, 4, 2, 2, 10, 11]
    for evs in by_ts.values():
        assert len({code for code, _, _ in evs}) == 1
        ends = [end for _, end, _ in evs]
        assert ends[-4:] == [True] * 4 and not any(ends[:-4]), "end bit on the last packet + 3 retransmits"
        durations = [d for _, _, d in evs]
        assert durations == sorted(durations) and durations[-1] == 1280  # 160 ms at 8 kHz


def test_sequence_numbers_timestamps_and_send_times_only_go_forward(tmp_path: Path) -> None:
    _, packets = parse(dtmf.dtmf_pcap(tmp_path, "4422*#").path)

    seqs = [p.seq for p in packets]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    stamps = [p.ts for p in packets]
    assert stamps == sorted(stamps) and len(set(stamps)) == 6
    times = [p.at_us for p in packets]
    assert times == sorted(times)
    assert len({p.ssrc for p in packets}) == 1 and len({p.dport for p in packets}) == 1


def test_the_first_packet_of_each_event_carries_the_marker(tmp_path: Path) -> None:
    _, packets = parse(dtmf.dtmf_pcap(tmp_path, "12").path)

    firsts: dict[int, Packet] = {}
    for p in packets:
        firsts.setdefault(p.ts, p)
    assert all(p.marker for p in firsts.values())
    assert sum(p.marker for p in packets) == 2


def test_digits_sit_inside_the_audio_on_one_stream(tmp_path: Path) -> None:
    audio = tmp_path / "audio.pcap"
    audio.write_bytes(dtmf.pcap_bytes(dtmf.build_stream(lead_ms=100, audio=bytes(range(256)) * 4)))
    pcap = dtmf.media_pcap(tmp_path, "42", lead_ms=1000, tail_ms=2000, audio_source=audio)
    _, packets = parse(pcap.path)

    kinds = "".join("d" if p.pt == 101 else "a" for p in packets)
    assert kinds.startswith("a" * 50) and kinds.endswith("a" * 100)
    assert kinds.strip("a").count("a") == 15  # the 300 ms gap between the two digits carries audio
    assert {p.pt for p in packets} == {8, 101} and len({p.ssrc for p in packets}) == 1
    assert [p.ts for p in packets] == sorted(p.ts for p in packets)
    assert all(len(p.payload) == 160 for p in packets if p.pt == 8)
    first_event = next(p for p in packets if p.pt == 101)
    assert first_event.at_us == pcap.dtmf_start_ms * 1000 == 1_000_000
    assert packets[-1].at_us < pcap.duration_ms * 1000


def test_a_generated_pcap_is_reused_from_the_cache(tmp_path: Path) -> None:
    first = dtmf.dtmf_pcap(tmp_path, "123")
    stamp = first.path.stat().st_mtime_ns
    again = dtmf.dtmf_pcap(tmp_path, "123")
    other = dtmf.dtmf_pcap(tmp_path, "124")

    assert again.path == first.path and again.path.stat().st_mtime_ns == stamp
    assert other.path != first.path
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.path.name, other.path.name])


def test_span_matches_the_packets_written(tmp_path: Path) -> None:
    pcap = dtmf.dtmf_pcap(tmp_path, "9*0#", dtmf.DtmfTiming(100, 200))
    _, packets = parse(pcap.path)

    assert pcap.dtmf_ms == dtmf.dtmf_span_ms("9*0#", dtmf.DtmfTiming(100, 200))
    assert packets[-1].at_us == (pcap.dtmf_ms - dtmf.PACKET_MS) * 1000


def test_the_modules_reader_agrees_with_the_writer(tmp_path: Path) -> None:
    packets = dtmf.build_stream("5", lead_ms=40, tail_ms=40, audio=b"\xd5" * 160)

    assert dtmf.read_pcap(Path(dtmf.dtmf_pcap(tmp_path, "5").path))[0].event() == (5, False, 160)
    path = tmp_path / "x.pcap"
    path.write_bytes(dtmf.pcap_bytes(packets))
    assert dtmf.read_pcap(path) == packets


@pytest.mark.parametrize("digits", ["12x", "1 2", "#e"])
def test_a_character_dtmf_cannot_send_is_refused(tmp_path: Path, digits: str) -> None:
    with pytest.raises(ValueError, match="not a DTMF digit"):
        dtmf.dtmf_pcap(tmp_path, digits)


def test_lowercase_letters_are_the_abcd_events(tmp_path: Path) -> None:
    _, packets = parse(dtmf.dtmf_pcap(tmp_path, "ad").path)
    assert sorted({code for _, code, _, _, _ in events(packets)}) == [12, 15]


def test_an_audio_pcap_without_pcma_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "dtmf-only.pcap"
    source.write_bytes(dtmf.pcap_bytes(dtmf.build_stream("1")))
    with pytest.raises(ValueError, match="no PCMA"):
        dtmf.media_pcap(tmp_path, tail_ms=100, audio_source=source)


def event_runs(packets: list[Packet]) -> list[tuple[int, list[Packet]]]:
    """(code, packets) of each telephone event in order, one per RTP timestamp."""
    runs: dict[int, list[Packet]] = {}
    for p in packets:
        if p.pt == 101:
            runs.setdefault(p.ts, []).append(p)
    return [(struct.unpack_from("!B", ps[0].payload)[0], ps) for _, ps in sorted(runs.items())]


def test_a_pause_separates_two_presses_of_the_same_digit(tmp_path: Path) -> None:
    _, packets = parse(dtmf.dtmf_pcap(tmp_path, "1,1", dtmf.DtmfTiming(pause_ms=1500)).path)

    (first_code, first), (second_code, second) = event_runs(packets)
    assert (first_code, second_code) == (1, 1)
    tone_end = first[0].ts + struct.unpack_from("!BBH", first[-1].payload)[2]  # start + final duration
    silent_ms = (second[0].ts - tone_end) / 8
    assert 1500 <= silent_ms <= 1500 + 20 * (dtmf.END_RETRANSMITS + 1), silent_ms  # + the end retransmits
    assert second[0].at_us - first[0].at_us == (second[0].ts - first[0].ts) // 8 * 1000
    seqs = [p.seq for p in packets]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))) and len({p.ssrc for p in packets}) == 1
    assert [p.ts for p in packets] == sorted(p.ts for p in packets)


def test_repeated_digits_without_pauses_are_still_one_event_each(tmp_path: Path) -> None:
    _, packets = parse(dtmf.dtmf_pcap(tmp_path, "4422").path)
    assert [code for code, _ in event_runs(packets)] == [4, 4, 2, 2]


def test_pauses_replace_the_gap_and_count_in_the_span(tmp_path: Path) -> None:
    assert dtmf.presses("9,1,,1#", dtmf.DtmfTiming(gap_ms=300, pause_ms=1500)) == (
        [(0, "9"), (1500, "1"), (3000, "1"), (300, "#")],
        0,
    )
    assert dtmf.presses(",5,", dtmf.DtmfTiming(pause_ms=700)) == ([(700, "5")], 700)
    per_digit = dtmf.dtmf_span_ms("1")
    assert dtmf.dtmf_span_ms("9,1,1", dtmf.DtmfTiming(160, 300, 1500)) == 3 * per_digit + 2 * 1500
    pcap = dtmf.dtmf_pcap(tmp_path, "9,1,1", dtmf.DtmfTiming(pause_ms=1500))
    _, packets = parse(pcap.path)
    assert packets[-1].at_us == (pcap.dtmf_ms - dtmf.PACKET_MS) * 1000
    assert (
        dtmf.dtmf_pcap(tmp_path, "1,1", dtmf.DtmfTiming(pause_ms=900)).path
        != dtmf.dtmf_pcap(tmp_path, "1,1").path
    )


def test_a_pause_inside_the_audio_carries_audio(tmp_path: Path) -> None:
    audio = tmp_path / "audio.pcap"
    audio.write_bytes(dtmf.pcap_bytes(dtmf.build_stream(lead_ms=100, audio=bytes(range(256)) * 4)))
    _, packets = parse(
        dtmf.media_pcap(tmp_path, "4,2", timing=dtmf.DtmfTiming(pause_ms=1000), audio_source=audio).path
    )

    kinds = "".join("d" if p.pt == 101 else "a" for p in packets)
    assert kinds.strip("a").count("a") == 50  # 1 s of audio between the two digits
    assert len({p.ssrc for p in packets}) == 1


def test_dtmf_only_starts_with_one_silent_packet_so_the_lead_survives_replay(tmp_path: Path) -> None:
    """SIPp sends a pcap's first packet at once: without it the lead (delay) and a leading pause vanish."""
    pcap = dtmf.media_pcap(tmp_path, ",1", lead_ms=1000, timing=dtmf.DtmfTiming(pause_ms=500))
    _, packets = parse(pcap.path)

    assert packets[0].at_us == 0 and packets[0].pt == 8 and packets[0].payload == b"\xd5" * 160
    assert [p.pt for p in packets[1:]] == [101] * len(packets[1:])
    assert packets[1].at_us == pcap.dtmf_start_ms * 1000 == 1_500_000
    assert {p.pt for p in parse(dtmf.dtmf_pcap(tmp_path, "1").path)[1]} == {101}, "no lead, no filler"


@pytest.mark.parametrize("digits", [",", ",,,"])
def test_pauses_alone_are_refused(digits: str) -> None:
    with pytest.raises(ValueError, match="only pauses"):
        dtmf.check_digits(digits)


def test_the_refusal_mentions_the_pause() -> None:
    with pytest.raises(ValueError, match="'x' in '1,x' is not a DTMF digit .*',' pauses"):
        dtmf.check_digits("1,x")
    assert dtmf.check_digits(",9,a,") == ",9,A,"
