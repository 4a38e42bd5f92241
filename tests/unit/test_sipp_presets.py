"""The named SIPp callers of hotline.sipp.presets: the table, lookups, and kwargs start_call takes."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from hotline.sipp import presets
from hotline.sipp.plan import CallOptions, plan_call
from hotline.sipp.runner import start_call

DOC = Path(__file__).resolve().parents[2] / "docs" / "sipp.md"
NAMES = [
    "ivr-family-nanny",
    "ivr-family-cleaning",
    "ivr-repair-appliance",
    "ivr-elderly",
    "ivr-info",
    "ivr-complaint",
    "ivr-suggestion",
    "ivr-ticket",
    "ivr-agent",
    "ivr-english",
    "ivr-invalid",
    "ivr-max-retries",
    "ivr-timeout",
    "route-did-futian",
    "route-fixed-nanshan",
    "route-fixed-longgang",
    "route-mobile-luohu",
    "route-mobile-baoan",
    "route-member",
    "route-unknown-ask",
    "route-withheld",
]


def test_the_table_holds_the_named_presets_once_each() -> None:
    assert [p.name for p in presets.PRESETS] == NAMES
    assert all(p.description for p in presets.PRESETS)


@pytest.mark.parametrize(
    ("name", "caller", "to", "digits"),
    [
        ("ivr-family-nanny", "075583001111", None, "1,1"),
        ("ivr-ticket", "075583001111", None, "6,202611200001#"),
        ("ivr-english", "075583001111", None, "9,1,1"),
        ("ivr-invalid", "075583001111", None, "7,1,1"),
        ("ivr-max-retries", "075583001111", None, "7,7,7"),
        ("ivr-timeout", "075583001111", None, ""),
        ("route-did-futian", "02088889999", "1010936601", "0"),
        ("route-fixed-nanshan", "075526001234", None, "0"),
        ("route-fixed-longgang", "075528001234", None, "0"),
        ("route-mobile-luohu", "13900131234", None, "0"),
        ("route-mobile-baoan", "13600131234", None, "0"),
        ("route-member", "13800138002", None, "0"),
        ("route-unknown-ask", "13922229999", None, "3,0"),
        ("route-withheld", "anonymous", None, "2,0"),
    ],
)
def test_presets_call_from_and_to_the_demo_numbers(
    name: str, caller: str, to: str | None, digits: str
) -> None:
    p = presets.get_preset(name)
    assert (p.caller, p.to, p.digits) == (caller, to, digits)


def test_holds_leave_time_to_reach_the_queue() -> None:
    for p in presets.PRESETS:
        assert p.delay_s == 2.0
        assert 12 <= p.hold_s <= 25 or (p.name == "ivr-timeout" and p.hold_s > 25), p


@pytest.mark.parametrize("mode", ["rfc4733", "info"])
def test_every_preset_plans_a_call(tmp_path: Path, mode: str) -> None:
    for p in presets.PRESETS:
        opts = CallOptions(
            caller=p.caller,
            to=p.to or "10109366",
            digits=p.digits,
            hold_s=p.hold_s,
            delay_s=p.delay_s,
            dtmf_mode=mode,
            audio=None,
        )  # type: ignore[arg-type]
        plan = plan_call(opts, tmp_path)
        assert plan.talk_ms >= (p.delay_s + p.hold_s) * 1000 or not p.digits


def test_an_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(presets.PresetNotFound, match="no SIPp preset 'nope' .*known: ivr-family-nanny"):
        presets.get_preset("nope")
    with pytest.raises(presets.PresetNotFound):
        presets.preset_call_kwargs("nope")


def test_call_kwargs_fit_start_call() -> None:
    nanny = presets.preset_call_kwargs("ivr-family-nanny")
    did = presets.preset_call_kwargs("route-did-futian")

    assert nanny == {"caller": "075583001111", "digits": "1,1", "hold_s": 20, "delay_s": 2.0}
    assert did["to"] == "1010936601"
    for p in presets.PRESETS:
        inspect.signature(start_call).bind(None, **presets.preset_call_kwargs(p.name), pause_s=0.5)


def test_the_doc_lists_every_preset() -> None:
    doc = DOC.read_text(encoding="utf-8")
    missing = [p.name for p in presets.PRESETS if f"`{p.name}`" not in doc]
    assert not missing, f"docs/sipp.md lacks {missing}"
