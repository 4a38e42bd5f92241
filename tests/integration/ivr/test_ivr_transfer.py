"""The transfer node: the IVR hands a caller to an outside number through the carrier trunk."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hotline.sipp.presets import preset_call_kwargs
from hotline.sipp.runner import AgentPhone
from tests.integration.center import Center
from tests.integration.conftest import CARRIER_OUT
from tests.integration.ivr.test_ivr_clock_and_versions import DEMO_FLOW
from tests.integration.ivr.test_ivr_paths import place

pytestmark = pytest.mark.integration

OUTSIDE = "075583009999"  # e.g. a partner hotline


def test_a_transfer_node_dials_the_number_through_the_carrier(center: Center, tmp_path: Path) -> None:
    flow = yaml.safe_load(DEMO_FLOW.read_text())
    flow["nodes"]["main"]["options"]["7"] = "partner"
    flow["nodes"]["partner"] = {"type": "transfer", "number": OUTSIDE, "prompt": "transfer_notice"}
    path = tmp_path / "main.yaml"
    path.write_text(yaml.safe_dump(flow, allow_unicode=True))
    loaded = center.hotline("ivr", "load", str(path))
    assert loaded.returncode == 0, loaded.stderr
    # the far end: a SIPp phone answering (RTP echo) where the carrier takes outgoing calls
    host, port = CARRIER_OUT
    try:
        with AgentPhone(center.settings, "agent8006", port=port, address=host) as far_end:
            kwargs = {
                **preset_call_kwargs("ivr-agent"),
                "caller": "075583005001",
                "digits": "7",
                "hold_s": 14.0,
            }
            row = place(center, {"transfer": kwargs})["transfer"]
            assert far_end.answered >= 1
    finally:
        restored = center.hotline("ivr", "load", str(DEMO_FLOW))
        assert restored.returncode == 0, restored.stderr
    last = row["ivr_path"][-1]
    assert (last["node"], last["type"], last["result"]) == ("partner", "transfer", OUTSIDE), row["ivr_path"]
    assert row["disposition"] == "transferred"
