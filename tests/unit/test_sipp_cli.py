"""`hotline sipp` commands that need no SIPp process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hotline.cli import sipp as sipp_cli
from hotline.cli.main import COMMANDS, cli
from hotline.sipp import library, presets


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


def test_run_refuses_bad_pauses(tmp_path: Path) -> None:
    code, out = invoke(tmp_path, "run", "call", "--digits", ",,", "--no-audio")
    assert code == 2 and "only pauses" in out
    code, out = invoke(tmp_path, "run", "call", "--digits", "1,1", "--pause", "-1")
    assert code == 2 and "--pause" in out


def test_presets_lists_each_with_caller_number_and_digits(tmp_path: Path) -> None:
    code, out = invoke(tmp_path, "presets")

    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert list(lines) == [p.name for p in presets.PRESETS]
    assert "075583001111 -> 10109366" in lines["ivr-family-nanny"] and " 1,1 " in lines["ivr-family-nanny"]
    assert "02088889999 -> 1010936601" in lines["route-did-futian"]
    assert presets.get_preset("route-withheld").description in lines["route-withheld"]


def test_run_needs_a_scenario_or_a_preset(tmp_path: Path) -> None:
    code, out = invoke(tmp_path, "run")
    assert code == 2 and "--preset" in out


def test_run_refuses_an_unknown_preset(tmp_path: Path) -> None:
    code, out = invoke(tmp_path, "run", "--preset", "nope")
    assert code == 2 and "no SIPp preset 'nope'" in out and "ivr-family-nanny" in out


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """start_call's keyword arguments, recorded instead of starting SIPp."""
    calls: list[dict[str, Any]] = []

    def fake_start_call(settings: object, **kwargs: Any) -> None:
        calls.append(kwargs)
        raise ValueError("not starting SIPp in a unit test")

    monkeypatch.setattr(sipp_cli, "start_call", fake_start_call)
    return calls


def test_a_preset_gives_the_defaults_of_run(tmp_path: Path, started: list[dict[str, Any]]) -> None:
    code, out = invoke(tmp_path, "run", "--preset", "route-did-futian")

    assert code == 2 and "not starting SIPp" in out
    (kwargs,) = started
    assert kwargs["scenario"] == "call"
    assert (kwargs["caller"], kwargs["to"], kwargs["digits"]) == ("02088889999", "1010936601", "0")
    assert (kwargs["hold_s"], kwargs["delay_s"], kwargs["pause_s"]) == (15, 2.0, 1.5)


def test_options_given_win_over_the_preset(tmp_path: Path, started: list[dict[str, Any]]) -> None:
    invoke(
        tmp_path,
        "run",
        "call-wait-bye",
        "--preset",
        "ivr-english",
        "--digits",
        "9,0",
        "--hold",
        "3",
        "--pause",
        "0.5",
        "--dtmf",
        "info",
    )

    (kwargs,) = started
    assert kwargs["scenario"] == "call-wait-bye" and kwargs["dtmf_mode"] == "info"
    assert (kwargs["caller"], kwargs["to"], kwargs["digits"]) == ("075583001111", "10109366", "9,0")
    assert (kwargs["hold_s"], kwargs["delay_s"], kwargs["pause_s"]) == (3, 2.0, 0.5)
