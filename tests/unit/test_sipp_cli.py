"""`hotline sipp` commands that need no SIPp process."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from hotline.cli.main import COMMANDS, cli
from hotline.sipp import library


def invoke(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["sipp", *args], env={"HOTLINE_HOME": str(tmp_path)})
    return result.exit_code, result.output


def test_sipp_is_a_registered_group() -> None:
    assert COMMANDS["sipp"] == "hotline.cli.sipp:sipp"


def test_list_prints_each_scenario_with_its_description(tmp_path: Path) -> None:
    code, out = invoke(tmp_path, "list")

    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(library.list_scenarios())
    call = next(line for line in lines if line.split()[0] == "call")
    assert library.scenario("call").description in call


def test_run_refuses_an_unknown_scenario(tmp_path: Path) -> None:
    code, out = invoke(tmp_path, "run", "nope")
    assert code == 2 and "no SIPp scenario 'nope'" in out


def test_run_points_agent_scenarios_to_the_agent_command(tmp_path: Path) -> None:
    code, out = invoke(tmp_path, "run", "agent-answer")
    assert code == 2 and "hotline sipp agent" in out


def test_run_refuses_bad_digits(tmp_path: Path) -> None:
    code, out = invoke(tmp_path, "run", "call", "--digits", "12x", "--no-audio")
    assert code == 2 and "not a DTMF digit" in out
