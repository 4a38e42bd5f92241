"""SIPp result parsing, command lines and port allocation (no SIPp process started)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from hotline.settings import get_settings
from hotline.sipp import ports
from hotline.sipp.process import SippCommand, SippEvent, SippResult, parse_events, parse_stats
from hotline.sipp.runner import remote_address

# A header and last row as SIPp 3.6.1 writes them with -trace_stat (shortened after FailedCall).
STATS = (
    "StartTime;LastResetTime;CurrentTime;ElapsedTime(P);ElapsedTime(C);TargetRate;CallRate(P);CallRate(C);"
    "IncomingCall(P);IncomingCall(C);OutgoingCall(P);OutgoingCall(C);TotalCallCreated;CurrentCall;"
    "SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C);FailedCannotSendMessage(P);\n"
    "2026-11-22\t23:51:31.29\t1795391491.29;2026-11-22\t23:51:31.29\t1795391491.29;2026-11-22\t23:51:31.29"
    "\t1795391491.29;00:00:00;00:00:00;10;0;0;0;0;0;0;0;0;0;0;0;0;0;\n"
    "2026-11-22\t23:51:31.29\t1795391491.29;2026-11-22\t23:51:32.29\t1795391492.29;2026-11-22\t23:51:34.29"
    "\t1795391494.29;00:00:01;00:00:03;2;1;0.99;0;0;1;3;3;0;0;2;0;1;0;\n"
)


def result(**changes: object) -> SippResult:
    data: dict[str, object] = {
        "name": "call",
        "rc": 0,
        "successful": 3,
        "failed": 0,
        "created": 3,
        "elapsed_s": 12.34,
        "output": "screen",
        "errors": "",
        "workdir": Path("/w"),
    }
    data.update(changes)
    return SippResult(**data)  # type: ignore[arg-type]


def test_the_last_stats_row_gives_the_cumulative_counters() -> None:
    stats = parse_stats(STATS)

    assert stats["TotalCallCreated"] == "3" and stats["SuccessfulCall(C)"] == "2"
    assert stats["FailedCall(C)"] == "1" and stats["CurrentCall"] == "0"
    assert parse_stats("") == {} and parse_stats("header;only\n") == {}


def test_scenario_log_lines_become_events() -> None:
    text = (
        "hotline|answered|1-2@127.0.0.2|13800138000|10109366\n"
        "garbage line\n"
        "hotline|hangup-remote|1-2@127.0.0.2|\n"
    )

    assert parse_events(text) == [
        SippEvent("answered", "1-2@127.0.0.2", ("13800138000", "10109366")),
        SippEvent("hangup-remote", "1-2@127.0.0.2", ()),
    ]


def test_summary_is_one_line_with_counts_and_time() -> None:
    assert result().summary() == "sipp call: 3 calls, 3 successful, 0 failed (12.3 s)"
    assert result(rc=255, successful=0, created=0).summary().endswith("exit status 255")
    assert result(timed_out=True).summary().endswith("stopped: timed out")


@pytest.mark.parametrize(
    ("changes", "ok"),
    [
        ({}, True),
        ({"rc": 1, "failed": 1, "successful": 2}, False),
        ({"rc": 255}, False),
        ({"timed_out": True}, False),
        ({"expected": 5}, False),
        ({"expected": 3}, True),
    ],
)
def test_a_run_is_ok_only_if_every_call_succeeded(changes: dict[str, object], ok: bool) -> None:
    assert result(**changes).ok is ok


def test_report_carries_the_error_log_and_screen() -> None:
    failed = result(rc=1, failed=1, errors="Aborting call on unexpected message", output="last screen")
    report = failed.report()

    assert report.splitlines()[0].startswith("sipp call:")
    assert "Aborting call on unexpected message" in report and "last screen" in report and "/w" in report


def test_result_counts_events() -> None:
    r = result(
        events=[
            SippEvent("hangup-remote", "a", ()),
            SippEvent("answered", "a", ()),
            SippEvent("hangup-remote", "b", ()),
        ]
    )
    assert r.remote_hangups == 2 and r.count("answered") == 1 and r.count("stopped") == 0


def test_command_line_has_the_safety_flags_and_own_ports(tmp_path: Path) -> None:
    allocator = ports.PortAllocator()
    res = allocator.reserve("127.0.0.1", 45200, 46000)
    argv = SippCommand(
        name="call",
        xml="<scenario/>",
        local_ip="127.0.0.2",
        reservation=res,
        remote="127.0.0.1:5060",
        calls=3,
        rate=0.5,
        timeout_s=42.4,
    ).argv(tmp_path)

    assert argv[:2] == ["sipp", "127.0.0.1:5060"]
    pairs = dict(zip(argv[2::], argv[3::], strict=False))
    assert pairs["-i"] == "127.0.0.2" and pairs["-p"] == str(res.sip_port)
    assert pairs["-mp"] == str(res.media_port)
    assert pairs["-cp"] == str(res.media_port + 1) and pairs["-ci"] == "127.0.0.2"
    assert pairs["-m"] == "3" and pairs["-r"] == "0.5" and pairs["-timeout"] == "57s"
    assert {"-nostdin", "-timeout_error", "-trace_err", "-trace_stat", "-trace_logs"} <= set(argv)
    assert all(str(tmp_path) in pairs[flag] for flag in ("-sf", "-stf", "-log_file", "-error_file"))
    uas = SippCommand(
        name="a", xml="", local_ip="127.0.0.1", reservation=res, timeout_s=None, rtp_echo=True, call_id="x@y"
    ).argv(tmp_path)
    assert uas[1] == "-sf" and "-rtp_echo" in uas and "-timeout" not in uas and "-r" not in uas
    assert uas[uas.index("-cid_str") + 1] == "x@y"


def test_reservations_never_overlap_and_media_blocks_are_even_and_four_wide() -> None:
    allocator = ports.PortAllocator()
    first = allocator.reserve("127.0.0.1", 45300, 46101)
    second = allocator.reserve("127.0.0.1", 45300, 46101)

    assert first.sip_port != second.sip_port
    assert set(first.ports).isdisjoint(second.ports)
    for res in (first, second):
        assert res.media_port % 2 == 0 and res.ports[1:] == list(range(res.media_port, res.media_port + 4))
    first.release()
    assert allocator.reserve("127.0.0.1", 45300, 46101).sip_port == first.sip_port


def test_a_bound_port_and_avoided_ranges_are_skipped() -> None:
    allocator = ports.PortAllocator()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        assert ports.udp_bound("127.0.0.1", port) and not ports.udp_free("127.0.0.1", port)
        res = allocator.reserve("127.0.0.1", port, 46200, avoid=(range(port + 1, port + 3),))
    assert res.sip_port == port + 3


def test_port_bases_come_from_optional_settings(tmp_path: Path) -> None:
    settings = get_settings(home=tmp_path)
    assert ports.PortBases.from_settings(settings) == ports.PortBases(5071, 5200, 30000)


def test_a_wildcard_bind_is_called_on_loopback(tmp_path: Path) -> None:
    assert remote_address(get_settings(home=tmp_path, bind_host="0.0.0.0", sip_port=5070)) == "127.0.0.1:5070"
    assert remote_address(get_settings(home=tmp_path, bind_host="10.1.2.3")) == "10.1.2.3:5060"
