"""Business hours with an injected clock (a working Saturday, a public holiday: chinese-calendar), a
message left after hours, and a flow loaded during a call that does not disturb it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from hotline.db.models import PendingMessage
from hotline.sipp.presets import preset_call_kwargs
from hotline.sipp.runner import start_call
from hotline.supervisor import until
from tests.integration.center import REPO, Center
from tests.integration.ivr.test_ivr_paths import place

pytestmark = pytest.mark.integration

DEMO_FLOW = REPO / "hotline" / "ivr" / "demo.yaml"


@contextmanager
def clock(center: Center, at: str) -> Iterator[None]:
    """ari_app restarted with its clock starting at `at`; restored afterwards."""
    ari_app = center.services["ari_app"]
    normal = ari_app.env
    ari_app.stop()
    ari_app.env = {**normal, "HOTLINE_CLOCK": at}
    ari_app.start()
    try:
        yield
    finally:
        ari_app.stop()
        ari_app.env = normal
        ari_app.start()


def test_working_saturday_is_open(center: Center) -> None:
    with clock(center, "2026-02-14T10:00:00+08:00"):  # Saturday, a Spring Festival make-up workday
        row = place(center, {"sat": {**preset_call_kwargs("ivr-agent"), "caller": "075583004001"}})["sat"]
    hours = [s for s in row["ivr_path"] if s["type"] == "hours"]
    assert hours and hours[0]["result"] == "open", row["ivr_path"]
    assert row["queue"] == "futian"


def test_public_holiday_is_closed_and_the_caller_leaves_a_message(center: Center) -> None:
    caller = "075583004002"

    def message(call_id: int) -> PendingMessage | None:
        with center.database.session() as session:
            found = session.query(PendingMessage).filter(PendingMessage.call_id == call_id).one_or_none()
            if found is not None:
                session.expunge(found)
            return found

    with clock(center, "2026-10-01T10:00:00+08:00"):  # National Day
        kwargs = {**preset_call_kwargs("ivr-agent"), "caller": caller, "digits": "", "hold_s": 36.0}
        row = place(center, {"holiday": kwargs})["holiday"]
        # the caller hung up while speaking: the message is still stored (before ari_app restarts)
        assert until(lambda: message(row["id"]) is not None, 15, 0.2)
    row = center.wait_call(
        lambda c: c["caller_number"] == caller and "message" in [s["type"] for s in c["ivr_path"]]
    )
    hours = [s for s in row["ivr_path"] if s["type"] == "hours"]
    assert hours and hours[0]["result"] == "closed", row["ivr_path"]
    left = message(row["id"])
    assert left is not None and left.status == "pending"
    assert Path(left.path).is_file() and Path(left.path).is_relative_to(center.settings.recordings_dir)
    assert (left.duration_s or 0) > 1.0


def test_a_flow_loaded_during_a_call_does_not_disturb_it(center: Center, tmp_path: Path) -> None:
    changed = yaml.safe_load(DEMO_FLOW.read_text())
    # version 2: "1,1" (family, nanny) reaches a person with no category
    changed["nodes"]["nanny"] = {"type": "route", "prompt": "transfer_notice"}
    new_flow = tmp_path / "main.yaml"
    new_flow.write_text(yaml.safe_dump(changed, allow_unicode=True))

    first = {
        **preset_call_kwargs("ivr-family-nanny"),
        "caller": "075583004003",
        "delay_s": 5.0,
        "hold_s": 10.0,
    }
    running = start_call(center.settings, **first)
    assert until(lambda: any(c["caller_number"] == first["caller"] for c in center.calls()), 10, 0.1)
    time.sleep(0.5)  # the call has its flow now
    try:
        loaded = center.hotline("ivr", "load", str(new_flow))
        assert loaded.returncode == 0, loaded.stderr
        second = {**preset_call_kwargs("ivr-family-nanny"), "caller": "075583004004", "hold_s": 10.0}
        rows = place(center, {"second": second})
        result = running.wait()
        assert result.ok, result.report()
        old = center.wait_call(lambda c: c["caller_number"] == first["caller"] and bool(c["ended_at"]))
    finally:
        restored = center.hotline("ivr", "load", str(DEMO_FLOW))
        assert restored.returncode == 0, restored.stderr
    assert old["category"] == "family.nanny"
    assert rows["second"]["category"] is None
    assert rows["second"]["flow_version"] == old["flow_version"] + 1
