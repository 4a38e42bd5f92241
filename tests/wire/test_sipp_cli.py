"""`hotline sipp run` and `hotline sipp agent` against the fake Asterisk of tests/wire/fake_sip.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline.cli.main import cli
from hotline.sipp.process import sipp_available
from tests.wire.fake_sip import FakePbx, uri_user, wait_until

pytestmark = pytest.mark.skipif(not sipp_available(), reason="sipp (sip-tester) is not installed")


@pytest.fixture
def pbx() -> Iterator[FakePbx]:
    with FakePbx() as fake:
        yield fake


def env(tmp_path: Path, pbx: FakePbx) -> dict[str, str]:
    return {
        "HOTLINE_HOME": str(tmp_path),
        "HOTLINE_BIND_HOST": "127.0.0.1",
        "HOTLINE_SIP_PORT": str(pbx.port),
        "HOTLINE_HOTLINE_NUMBERS": "12345",
    }


def test_run_prints_a_one_line_summary_and_exits_zero(tmp_path: Path, pbx: FakePbx) -> None:
    result = CliRunner().invoke(
        cli,
        ["sipp", "run", "call", "--calls", "2", "--rate", "5", "--hold", "0.2", "--no-audio"],
        env=env(tmp_path, pbx),
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("sipp call: 2 calls, 2 successful, 0 failed (")
    assert len(pbx.invites) == 2


def test_run_with_a_preset_calls_as_the_preset(tmp_path: Path, pbx: FakePbx) -> None:
    args = [
        "sipp",
        "run",
        "--preset",
        "route-unknown-ask",
        "--hold",
        "0.2",
        "--delay",
        "0.1",
        "--pause",
        "0.2",
    ]
    result = CliRunner().invoke(cli, [*args, "--dtmf", "info", "--no-audio"], env=env(tmp_path, pbx))

    assert result.exit_code == 0, result.output
    assert "call (route-unknown-ask): 1 call(s) 13922229999 -> 12345" in result.stderr
    assert result.stdout.splitlines()[-1].startswith("sipp call: 1 calls, 1 successful, 0 failed (")
    assert uri_user(pbx.invites[0].get("From")) == "13922229999" and uri_user(pbx.invites[0].first) == "12345"
    assert [body.split("\r\n")[0] for body in pbx.infos] == ["Signal=3", "Signal=0"]


def test_run_exits_non_zero_when_a_call_fails(tmp_path: Path, pbx: FakePbx) -> None:
    pbx.rules["12345"] = "reject 503"
    result = CliRunner().invoke(
        cli, ["sipp", "run", "call", "--hold", "0.2", "--no-audio"], env=env(tmp_path, pbx)
    )

    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1].startswith("sipp call: 1 calls, 0 successful, 1 failed (")


def test_agent_answers_until_sigterm_then_unregisters(tmp_path: Path, pbx: FakePbx) -> None:
    pbx.passwords["agent8001"] = "pw-1"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from hotline.cli.main import main; main()",
            "sipp",
            "agent",
            "agent8001",
            "--password",
            "pw-1",
            "--ring",
            "0",
        ],
        env={**os.environ, **env(tmp_path, pbx)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    out = proc.stdout
    assert out is not None
    reader = threading.Thread(target=lambda: lines.extend(iter(out.readline, "")), daemon=True)
    reader.start()
    try:
        wait_until(lambda: any("registered sip:agent8001@127.0.0.1:" in ln for ln in lines), 15, "register")
        assert pbx.call_phone(pbx.contact_of("agent8001"), "agent8001") == 25
        wait_until(lambda: any("answered call from fake" in line for line in lines), 10, "answered line")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    reader.join(5)

    assert proc.returncode == 0, "".join(lines)
    assert lines[-1].strip() == "agent8001: answered 1 call(s); unregistered"
    assert pbx.registrations[-1][2] == 0
