"""hotline.sipp.runner driving real SIPp instances against a fake Asterisk (tests/wire/fake_sip.py)."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.secrets import SecretStore
from hotline.settings import Settings
from hotline.sipp.dtmf import DTMF_PT, PCMA_PT, RtpPacket
from hotline.sipp.plan import DEFAULT_AUDIO
from hotline.sipp.presets import preset_call_kwargs
from hotline.sipp.process import sipp_available
from hotline.sipp.runner import AgentPhone, AgentPhoneError, run_call, start_call
from hotline.testcenter import PortSettings
from tests.dbutil import worker
from tests.wire import fake_sip
from tests.wire.fake_sip import FakePbx, dtmf_digits, uri_user, wait_until

pytestmark = pytest.mark.skipif(not sipp_available(), reason="sipp (sip-tester) is not installed")
# play_pcap_audio sends through a raw socket: root or CAP_NET_RAW
needs_raw = pytest.mark.skipif(os.geteuid() != 0, reason="SIPp pcap play needs raw sockets (root)")
CALLER = "13800138000"


@pytest.fixture
def pbx() -> Iterator[FakePbx]:
    with FakePbx() as fake:
        yield fake


@pytest.fixture
def arrivals(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake Asterisk stamps each RTP packet's at_ms with its arrival (monotonic ms)."""
    parse = fake_sip.parse_rtp

    def stamped(data: bytes) -> RtpPacket | None:
        packet = parse(data)
        return None if packet is None else dataclasses.replace(packet, at_ms=int(time.monotonic() * 1000))

    monkeypatch.setattr(fake_sip, "parse_rtp", stamped)


def event_starts(packets: list[RtpPacket]) -> list[int]:
    """Arrival ms of the first packet of each telephone event."""
    firsts: dict[int, int] = {}
    for p in packets:
        if p.payload_type == DTMF_PT:
            firsts.setdefault(p.timestamp, p.at_ms)
    return [at for _, at in sorted(firsts.items())]


@pytest.fixture
def settings(tmp_path: Path, pbx: FakePbx) -> Settings:
    # SIPp's own ports apart from test_sipp_cli.py's (the defaults) and per pytest-xdist worker: each
    # process only knows its own reservations, so two searching from the same base can both find a
    # port free, and one SIPp then fails to bind it (exit status 254 at once).
    base = 7000 + 300 * worker()
    return PortSettings(home=tmp_path, bind_host="127.0.0.1", sip_port=pbx.port, hotline_numbers=["12345"],
                        sipp_agent_port=base + 71, sipp_caller_port=base + 200,
                        sipp_media_port=30500 + 100 * worker())  # fmt: skip


def test_every_answered_call_counts_as_successful(settings: Settings, pbx: FakePbx) -> None:
    result = run_call(settings, caller=CALLER, calls=3, rate=10, hold_s=0.2, audio=None)

    assert result.ok, result.report()
    assert (result.created, result.successful, result.failed) == (3, 3, 0)
    assert result.summary().startswith("sipp call: 3 calls, 3 successful, 0 failed (")
    assert len(pbx.invites) == 3 and len(pbx.byes) == 3
    invite = pbx.invites[0]
    assert invite.source[0] == "127.0.0.2", "callers must come from the carrier address"
    assert uri_user(invite.get("From")) == CALLER and uri_user(invite.first) == "12345"
    assert "a=rtpmap:101 telephone-event/8000" in invite.body and "RTP/AVP 8 101" in invite.body


@needs_raw
def test_rfc4733_digits_arrive_in_order_inside_the_callers_audio(settings: Settings, pbx: FakePbx) -> None:
    result = run_call(settings, caller=CALLER, digits="4422*#", delay_s=0.3, hold_s=0.3)

    assert result.ok, result.report()
    assert dtmf_digits(pbx.rtp) == "4422*#"
    assert {p.payload_type for p in pbx.rtp} == {PCMA_PT, DTMF_PT}
    assert len({p.ssrc for p in pbx.rtp}) == 1
    seqs = [p.seq for p in pbx.rtp]
    assert seqs == sorted(seqs)


def test_info_digits_arrive_as_sip_info(settings: Settings, pbx: FakePbx) -> None:
    result = run_call(
        settings, caller=CALLER, digits="19#", dtmf_mode="info", delay_s=0.1, hold_s=0.1, audio=None
    )

    assert result.ok, result.report()
    assert [body.split("\r\n")[0] for body in pbx.infos] == ["Signal=1", "Signal=9", "Signal=#"]


def test_a_refused_call_fails(settings: Settings, pbx: FakePbx) -> None:
    pbx.rules["12345"] = "reject 486"

    result = run_call(settings, caller=CALLER, audio=None, hold_s=0.1)

    assert not result.ok
    assert (result.successful, result.failed, result.rc) == (0, 1, 1)


def test_call_rejected_succeeds_only_on_the_expected_status(settings: Settings, pbx: FakePbx) -> None:
    pbx.rules["999"] = "reject 404"
    refused = run_call(settings, caller=CALLER, to="999", scenario="call-rejected", audio=None)
    answered = run_call(settings, caller=CALLER, to="12345", scenario="call-rejected", audio=None)

    assert refused.ok and refused.count("rejected") == 1, refused.report()
    assert not answered.ok and answered.failed == 1


def test_call_copes_when_asterisk_hangs_up_first(settings: Settings, pbx: FakePbx) -> None:
    pbx.rules["12345"] = "hangup 300"

    result = run_call(settings, caller=CALLER, hold_s=30, audio=None)

    assert result.ok, result.report()
    assert result.remote_hangups == 1 and result.count("hangup-local") == 0
    assert pbx.byes == []


def test_call_wait_bye_needs_asterisk_to_hang_up(settings: Settings, pbx: FakePbx) -> None:
    pbx.rules["777"] = "hangup 200"
    hung_up = run_call(settings, caller=CALLER, to="777", scenario="call-wait-bye", hold_s=10, audio=None)
    never = run_call(settings, caller=CALLER, to="12345", scenario="call-wait-bye", hold_s=0.3, audio=None)

    assert hung_up.ok and hung_up.remote_hangups == 1, hung_up.report()
    assert not never.ok and never.failed == 1


def test_a_background_call_stays_up_until_stopped(settings: Settings, pbx: FakePbx) -> None:
    with start_call(settings, caller=CALLER, hold_s=60, audio=None) as call:
        wait_until(lambda: any(d.acked for d in pbx.dialogs.values()), what="the call to be up")
        assert call.running and pbx.byes == []
        result = call.stop()

    assert not call.running
    wait_until(lambda: pbx.byes == [pbx.invites[0].call_id], what="stopping to end the call with a BYE")
    assert result.created == 1


def test_parallel_callers_use_their_own_ports(settings: Settings, pbx: FakePbx) -> None:
    first = start_call(settings, caller="1001", hold_s=0.5, audio=None)
    second = start_call(settings, caller="1002", hold_s=0.5, audio=None)
    results = [first.wait(), second.wait()]

    assert all(r.ok for r in results), "\n".join(r.report() for r in results)
    assert first.command.reservation.ports != second.command.reservation.ports
    assert sorted(uri_user(i.get("From")) for i in pbx.invites) == ["1001", "1002"]


@needs_raw
def test_the_default_caller_plays_audio(settings: Settings, pbx: FakePbx) -> None:
    if not DEFAULT_AUDIO.exists():
        pytest.skip("no g711a.pcap")
    result = run_call(settings, caller=CALLER, hold_s=1.0)

    assert result.ok, result.report()
    assert sum(p.payload_type == PCMA_PT for p in pbx.rtp) >= 40


def test_agent_phone_registers_answers_echoes_and_unregisters(settings: Settings, pbx: FakePbx) -> None:
    pbx.passwords["agent8001"] = "pw-8001"
    with AgentPhone(settings, "agent8001", password="pw-8001", ring_ms=50) as phone:
        user, contact, expires = pbx.registrations[-1]
        assert (user, expires) == ("agent8001", 120)
        assert f"@127.0.0.1:{phone.port}" in contact
        echoed = pbx.call_phone(pbx.contact_of("agent8001"), "agent8001")
        wait_until(lambda: phone.answered == 1, what="the answered call to be logged")
        assert echoed == 25

    assert pbx.registrations[-1][2] == 0, "stop() must unregister"
    assert not phone.running


def test_agent_phone_takes_its_password_from_the_secret_store(settings: Settings, pbx: FakePbx) -> None:
    pbx.passwords["agent8002"] = SecretStore.for_home(settings.home).sip_password("agent8002")
    with AgentPhone(settings, "agent8002"):
        assert pbx.registrations[-1][0] == "agent8002"


def test_agent_phone_with_a_wrong_password_raises_with_sipps_report(settings: Settings, pbx: FakePbx) -> None:
    pbx.passwords["agent8003"] = "right"
    phone = AgentPhone(settings, "agent8003", password="wrong")

    with pytest.raises(AgentPhoneError, match="REGISTER failed"):
        phone.start()
    assert not phone.running and pbx.auth_failures == 1


def test_agent_phone_re_registers_before_expiry(settings: Settings, pbx: FakePbx) -> None:
    pbx.passwords["agent8004"] = "pw"
    with AgentPhone(settings, "agent8004", password="pw", expires=2) as phone:
        wait_until(lambda: len(pbx.registrations) >= 3, timeout=10, what="two refreshes")
        assert phone.register_failures == 0


def test_agent_phone_survives_a_call_cancelled_while_ringing(settings: Settings, pbx: FakePbx) -> None:
    pbx.passwords["agent8005"] = "pw"
    with AgentPhone(settings, "agent8005", password="pw", ring_ms=3000) as phone:
        pbx.call_phone(pbx.contact_of("agent8005"), "agent8005", cancel=True)
        wait_until(lambda: any(e.event == "cancelled" for e in phone.events()), what="cancelled")
        assert phone.answered == 0
        assert pbx.call_phone(pbx.contact_of("agent8005"), "agent8005") == 25, "answers the next call"


def test_stopping_the_agent_phone_hangs_up_its_live_call(settings: Settings, pbx: FakePbx) -> None:
    pbx.passwords["agent8006"] = "pw"
    phone = AgentPhone(settings, "agent8006", password="pw", ring_ms=0).start()
    try:
        assert pbx.call_phone(pbx.contact_of("agent8006"), "agent8006", hangup=False) == 25
        wait_until(lambda: phone.answered == 1, what="the call to be answered")
    finally:
        result = phone.stop()

    wait_until(lambda: pbx.byes == pbx.outbound, what="the phone's BYE")
    assert result is not None and result.count("ended") == 1


def test_slowly_started_calls_still_overlap(settings: Settings, pbx: FakePbx) -> None:
    with start_call(settings, caller=CALLER, calls=2, rate=0.5, hold_s=30, audio=None) as call:
        wait_until(lambda: sum(d.acked for d in pbx.dialogs.values()) == 2, 10, "both calls up at once")
        assert pbx.byes == []
        result = call.stop()

    assert (result.created, result.successful) == (2, 2)
    wait_until(lambda: len(pbx.byes) == 2, what="both calls hung up")


def test_a_run_past_its_timeout_is_stopped_and_hangs_up(settings: Settings, pbx: FakePbx) -> None:
    result = run_call(settings, caller=CALLER, hold_s=60, timeout=1.5, audio=None)

    assert result.timed_out and not result.ok
    assert "timed out" in result.summary()
    wait_until(lambda: pbx.byes == [pbx.invites[0].call_id], what="the BYE of the stopped call")


@needs_raw
@pytest.mark.usefixtures("arrivals")
def test_dtmf_only_pauses_and_delay_hold_on_the_wire(settings: Settings, pbx: FakePbx) -> None:
    result = run_call(settings, caller=CALLER, digits="1,1", pause_s=1.0, delay_s=0.8, hold_s=0.2, audio=None)

    assert result.ok, result.report()
    assert dtmf_digits(pbx.rtp) == "11"
    first, second = event_starts(pbx.rtp)
    one_digit_ms = 220  # 160 ms tone + 3 end retransmits
    assert 1000 + one_digit_ms - 100 <= second - first <= 1000 + one_digit_ms + 150, second - first
    assert pbx.rtp[0].payload_type == PCMA_PT, "the silent first packet"
    assert 700 <= first - pbx.rtp[0].at_ms <= 950, "the delay before the first digit survives the replay"


def test_info_pauses_arrive_as_sip_info(settings: Settings, pbx: FakePbx) -> None:
    result = run_call(
        settings,
        caller=CALLER,
        digits="9,1,1",
        dtmf_mode="info",
        pause_s=0.3,
        delay_s=0.1,
        hold_s=0.1,
        audio=None,
    )

    assert result.ok, result.report()
    assert [body.split("\r\n")[0] for body in pbx.infos] == ["Signal=9", "Signal=1", "Signal=1"]


@needs_raw
@pytest.mark.parametrize(
    ("preset", "to", "digits"), [("ivr-english", "12345", "911"), ("route-did-futian", "1010936601", "0")]
)
def test_a_preset_walks_its_menu_keys(
    settings: Settings, pbx: FakePbx, preset: str, to: str, digits: str
) -> None:
    kwargs = {**preset_call_kwargs(preset), "hold_s": 0.2, "delay_s": 0.2}
    result = run_call(settings, **kwargs, pause_s=0.3, audio=None)

    assert result.ok, result.report()
    invite = pbx.invites[0]
    assert uri_user(invite.get("From")) == kwargs["caller"] and uri_user(invite.first) == to
    assert dtmf_digits(pbx.rtp) == digits
