"""Localized routing (属地化) through real Asterisk: callers from different prefixes, a county DID, a
member, an unknown and a withheld number, and the fail-open path with ari_app stopped."""

from __future__ import annotations

import pytest

from hotline.sipp.presets import preset_call_kwargs
from hotline.sipp.runner import run_call
from tests.integration.center import Center
from tests.integration.ivr.test_ivr_paths import place

pytestmark = pytest.mark.integration

# preset -> (county, reason); each caller presses 0 (a person) once its county is settled
ROUTES = {
    "route-fixed-nanshan": ("nanshan", "prefix"),
    "route-fixed-longgang": ("longgang", "prefix"),
    "route-mobile-luohu": ("luohu", "prefix"),
    "route-mobile-baoan": ("baoan", "prefix"),
    "route-did-futian": ("futian", "did"),
    "route-member": ("luohu", "member"),
    "route-unknown-ask": ("nanshan", "choice"),
    "route-withheld": ("luohu", "choice"),
}


def test_callers_land_in_their_county_queue_with_the_reason(center: Center) -> None:
    calls = {name: {**preset_call_kwargs(name), "hold_s": 14.0} for name in ROUTES}
    rows = place(center, calls)
    for name, (county, reason) in ROUTES.items():
        row = rows[name]
        assert (row["county"], row["routing_reason"]) == (county, reason), (name, row)
        assert row["queue"] == county, (name, row)
        assert row["routing_detail"], row
    asked = [s["node"] for s in rows["route-unknown-ask"]["ivr_path"]]
    assert "locate" in asked
    assert rows["route-withheld"]["caller_number"] == "anonymous"
    assert rows["route-did-futian"]["dialed_number"] == "1010936601"


def test_fail_open_still_routes_by_county_through_fastagi(center: Center) -> None:
    caller = "075526009876"  # a Nanshan landline
    ari_app = center.services["ari_app"]
    ari_app.stop()
    try:
        with center.agent("8004") as phone:
            result = run_call(center.settings, caller=caller, hold_s=6)
            assert result.ok, result.report()
            assert phone.answered >= 1
    finally:
        ari_app.start()
    row = center.wait_call(lambda c: c["caller_number"] == caller and bool(c["ended_at"]))
    assert row["via"] == "failopen"
    assert (row["county"], row["routing_reason"], row["queue"]) == ("nanshan", "prefix", "nanshan")
    assert row["agent"] == "8004"


def test_explain_gives_the_same_decision_without_a_call(center: Center) -> None:
    out = center.hotline("routing", "explain", "0755-2600 1234", "--json")
    assert out.returncode == 0, out.stderr
    assert '"county": "nanshan"' in out.stdout and '"reason": "prefix"' in out.stdout
