"""The demo IVR flow through real Asterisk: SIPp callers press RFC 4733 digits; the call rows say
where each call went, why, and the path it took."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.sipp.presets import preset_call_kwargs
from hotline.sipp.runner import start_call
from tests.integration.center import Center

pytestmark = pytest.mark.integration

# preset -> (category, queue) for a Futian landline caller; every menu path of the demo flow
PATHS = {
    "ivr-family-nanny": ("family.nanny", "futian"),
    "ivr-family-cleaning": ("family.cleaning", "futian"),
    "ivr-repair-appliance": ("repair.appliance", "futian"),
    "ivr-elderly": ("elderly", "futian"),
    "ivr-info": ("lifeinfo", "futian"),
    "ivr-complaint": ("complaint", "futian"),
    "ivr-suggestion": ("suggestion", "futian"),
    "ivr-agent": (None, "futian"),
    "ivr-invalid": ("family.nanny", "futian"),
    "ivr-max-retries": (None, "futian"),
}


# the other leaves of the second-level menus, by their digits
LEAVES = {
    "1,3": "family.moving",
    "1,4": "family.tutor",
    "1,5": "family.escort",
    "1,6": "family.care",
    "1,0": None,
    "2,1": "repair.house",
    "2,3": "repair.utilities",
    "2,0": None,
    "5,0": None,
}


def place(center: Center, calls: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Start every caller at once, wait for all, return each one's call row by key (once it has
    ended and its IVR path is stored: a caller hanging up mid-menu has it stored just after)."""
    running = {key: start_call(center.settings, **kwargs) for key, kwargs in calls.items()}
    for key, proc in running.items():
        result = proc.wait()
        assert result.ok, f"{key}: {result.report()}"
    rows = {}
    for key, kwargs in calls.items():
        rows[key] = center.wait_call(
            lambda c, n=kwargs["caller"]: c["caller_number"] == n and bool(c["ended_at"])
        )
    return rows


def nodes(row: dict[str, Any]) -> list[str]:
    return [step["node"] for step in row["ivr_path"]]


def pressed(row: dict[str, Any]) -> str:
    return "".join(str(step.get("digits", "")) for step in row["ivr_path"])


def test_every_menu_path_reaches_its_queue_with_its_category(center: Center) -> None:
    calls = {}
    for i, name in enumerate(PATHS):
        calls[name] = {**preset_call_kwargs(name), "caller": f"0755830021{i:02d}", "hold_s": 12.0}
    for i, digits in enumerate(LEAVES):
        calls[digits] = {**preset_call_kwargs("ivr-agent"), "caller": f"0755830022{i:02d}", "digits": digits,
                         "hold_s": 12.0}  # fmt: skip
    rows = place(center, calls)
    for digits, category in LEAVES.items():
        assert (rows[digits]["category"], rows[digits]["queue"]) == (category, "futian"), rows[digits]
    for name, (category, queue) in PATHS.items():
        row = rows[name]
        assert row["category"] == category, (name, row["ivr_path"])
        assert row["queue"] == queue, (name, row)
        assert row["county"] == "futian" and row["routing_reason"] == "prefix", (name, row)
        assert row["language"] == "zh"
        assert row["flow_version"] is not None
        assert nodes(row)[0] == "language"
    assert "invalid" in [s.get("result") for s in rows["ivr-invalid"]["ivr_path"]]
    assert pressed(rows["ivr-invalid"]).startswith("7")
    max_retries = [s.get("result") for s in rows["ivr-max-retries"]["ivr_path"]]
    assert max_retries.count("invalid") >= 2, rows["ivr-max-retries"]["ivr_path"]
    assert nodes(rows["ivr-max-retries"])[-1] == "agent"


def test_english_ticket_status_and_timeout(center: Center) -> None:
    calls = {
        "english": {**preset_call_kwargs("ivr-english"), "caller": "075583003101", "hold_s": 12.0},
        "ticket": {**preset_call_kwargs("ivr-ticket"), "caller": "075583003102", "hold_s": 25.0},
        "timeout": {**preset_call_kwargs("ivr-timeout"), "caller": "075583003103", "hold_s": 50.0},
    }
    rows = place(center, calls)
    english = rows["english"]
    assert english["language"] == "en" and english["category"] == "family.nanny"
    ticket = rows["ticket"]
    said = [s for s in ticket["ivr_path"] if s["type"] == "ticket_status"]
    assert said and said[0]["result"] == "found", ticket["ivr_path"]
    collected = [s for s in ticket["ivr_path"] if s["type"] == "collect"]
    assert collected[0]["digits"] == "202611200001"
    timed_out = [s.get("result") for s in rows["timeout"]["ivr_path"] if s["node"] == "main"]
    assert "timeout" in timed_out, rows["timeout"]["ivr_path"]
