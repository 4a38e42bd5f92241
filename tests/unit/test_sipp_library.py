"""The SIPp scenario library: listing, rendering to valid SIPp XML, and the caller plans behind it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jinja2
import pytest

from hotline.sipp import library
from hotline.sipp.dtmf import read_pcap
from hotline.sipp.plan import CallOptions, CallPlan, check_secret, plan_call

AGENT_CONTEXTS: dict[str, dict[str, Any]] = {
    "agent-register": {
        "user": "agent8001",
        "password": "s3cr-t_X",
        "contact_port": 5071,
        "expires": 120,
        "cseq": 1,
    },
    "agent-answer": {"ring_ms": 300, "talk_ms": 0},
}


def caller_context(tmp_path: Path, **changes: Any) -> dict[str, Any]:
    opts = CallOptions(caller="13800138000", to="10109366", audio=None, **changes)
    return plan_call(opts, tmp_path).context


def render(name: str, context: dict[str, Any]) -> ET.Element:
    root = ET.fromstring(library.render(name, context))
    assert root.tag == "scenario" and root.get("name") == name
    return root


def sends(root: ET.Element) -> list[str]:
    return [(el.text or "").strip() for el in root.iter("send")]


def check_labels(root: ET.Element) -> None:
    """Every next/ontimeout names a label defined once, and no label is the last element."""
    labels = [el.get("id") for el in root.iter("label")]
    assert len(labels) == len(set(labels)), labels
    for el in root:
        for attr in ("next", "ontimeout"):
            if el.get(attr):
                assert el.get(attr) in labels, f"{el.tag} {attr}={el.get(attr)} has no label"
    steps = [el.tag for el in root if el.tag not in ("ResponseTimeRepartition", "CallLengthRepartition")]
    assert steps[-1] != "label"


def test_list_names_every_scenario_with_a_description() -> None:
    scenarios = {s.name: s for s in library.list_scenarios()}

    assert {"call", "call-wait-bye", "call-rejected", "agent-register", "agent-answer"} <= set(scenarios)
    assert not any(name.startswith("_") for name in scenarios)
    assert all(s.description and len(s.description.splitlines()) == 1 for s in scenarios.values())
    assert scenarios["call"].role == "caller" and scenarios["agent-answer"].role == "answer"


def test_an_unknown_scenario_names_the_known_ones() -> None:
    with pytest.raises(library.ScenarioNotFound, match="known: agent-answer"):
        library.render("nope", {})
    with pytest.raises(library.ScenarioNotFound):
        library.scenario("_sip")


def test_a_missing_variable_fails_the_render() -> None:
    with pytest.raises(jinja2.UndefinedError):
        library.render("agent-register", {"user": "agent8001"})


@pytest.mark.parametrize("name", ["call", "call-wait-bye", "call-rejected"])
@pytest.mark.parametrize("mode", ["rfc4733", "info"])
def test_caller_scenarios_render_to_consistent_sipp_xml(tmp_path: Path, name: str, mode: str) -> None:
    root = render(name, caller_context(tmp_path, digits="4422*#", dtmf_mode=mode))

    check_labels(root)
    invite = sends(root)[0]
    assert invite.startswith("INVITE sip:10109366@[remote_ip]:[remote_port] SIP/2.0")
    assert 'From: "13800138000" <sip:13800138000@' in invite
    assert "m=audio [media_port] RTP/AVP 8 101" in invite and "a=rtpmap:101 telephone-event/8000" in invite


@pytest.mark.parametrize("name", sorted(AGENT_CONTEXTS))
def test_agent_scenarios_render_to_consistent_sipp_xml(name: str) -> None:
    check_labels(render(name, AGENT_CONTEXTS[name]))


def test_rfc4733_digits_are_played_from_one_pcap(tmp_path: Path) -> None:
    root = render("call", caller_context(tmp_path, digits="4422", dtmf_mode="rfc4733"))

    plays = [el.get("play_pcap_audio") for el in root.iter("exec")]
    assert len(plays) == 1 and plays[0] is not None
    assert sum(p.event() is not None for p in read_pcap(Path(plays[0]))) > 0
    assert not any(s.startswith("INFO") for s in sends(root))


def test_info_digits_are_one_sip_info_each(tmp_path: Path) -> None:
    root = render("call", caller_context(tmp_path, digits="4422*#", dtmf_mode="info"))

    infos = [s for s in sends(root) if s.startswith("INFO")]
    assert [s.split("Signal=")[1].split()[0] for s in infos] == list("4422*#")
    assert [s.split("CSeq: ")[1].split()[0] for s in infos] == ["2", "3", "4", "5", "6", "7"]
    assert all("Content-Type: application/dtmf-relay" in s for s in infos)
    bye = next(s for s in sends(root) if s.startswith("BYE"))
    assert "CSeq: 8 BYE" in bye
    assert not list(root.iter("exec")), "no audio asked for, no pcap played"


def test_call_hangs_up_after_hold_but_accepts_an_earlier_bye(tmp_path: Path) -> None:
    root = render("call", caller_context(tmp_path, hold_s=7))

    waits = [el for el in root.iter("recv") if el.get("timeout") == "7000"]
    assert len(waits) == 1 and waits[0].get("ontimeout") and waits[0].get("next") == "stop"
    assert any(el.get("request") == "BYE" and el.get("next") == "remote_bye" for el in root.iter("recv"))
    assert not list(root.iter("pause")), "a BYE during <pause> aborts the call"


def test_call_wait_bye_fails_when_the_hold_expires(tmp_path: Path) -> None:
    root = render("call-wait-bye", caller_context(tmp_path, hold_s=7))

    wait = next(el for el in root.iter("recv") if el.get("timeout") == "7000")
    assert wait.get("ontimeout") is None


def test_call_rejected_expects_the_status_and_acks_it(tmp_path: Path) -> None:
    root = render("call-rejected", caller_context(tmp_path, expect_status=403))

    assert [el.get("response") for el in root.iter("recv") if not el.get("optional")] == ["403"]
    ack = sends(root)[1]
    assert ack.startswith("ACK sip:10109366@") and "[last_Via:]" in ack and "CSeq: 1 ACK" in ack


def test_agent_register_answers_the_challenge(tmp_path: Path) -> None:
    root = render("agent-register", AGENT_CONTEXTS["agent-register"])

    first, second = sends(root)
    assert "Contact: <sip:agent8001@[local_ip]:5071>" in first and "[authentication" not in first
    assert "[authentication username=agent8001 password=s3cr-t_X]" in second
    assert "CSeq: 1 REGISTER" in first and "CSeq: 2 REGISTER" in second and "Expires: 120" in second
    assert [el.get("response") for el in root.iter("recv")] == ["401", "200"]
    assert next(root.iter("recv")).get("auth") == "true"


def test_agent_answer_rings_answers_and_handles_cancel(tmp_path: Path) -> None:
    root = render("agent-answer", {"ring_ms": 300, "talk_ms": 0})
    texts = sends(root)

    assert next(root.iter("recv")).get("request") == "INVITE"
    assert texts[0].startswith("SIP/2.0 180") and texts[1].startswith("SIP/2.0 200 OK")
    assert "RTP/AVP 8 0 101" in texts[1]
    assert any(el.get("request") == "CANCEL" and el.get("timeout") == "300" for el in root.iter("recv"))
    assert any(t.startswith("SIP/2.0 487") for t in texts)
    no_ring = render("agent-answer", {"ring_ms": 0, "talk_ms": 0})
    assert not any(el.get("request") == "CANCEL" for el in no_ring.iter("recv"))
    [notify] = [el for el in root.iter("recv") if el.get("request") == "NOTIFY"]
    assert notify.get("timeout") is None  # waits for the other side to hang up
    talker = render("agent-answer", {"ring_ms": 300, "talk_ms": 8000})
    [notify] = [el for el in talker.iter("recv") if el.get("request") == "NOTIFY"]
    assert (notify.get("timeout"), notify.get("ontimeout")) == ("8000", "hangup")
    assert any(el.tag == "label" and el.get("id") == "hangup" for el in talker)


def test_a_template_file_outside_the_library_can_use_its_macros(tmp_path: Path) -> None:
    own = tmp_path / "mine.xml.jinja"
    own.write_text(
        '{% import "_sip.xml.jinja" as sip with context %}\n'
        '{{ sip.open("mine") }}\n{{ sip.invite() }}\n{{ sip.answered() }}\n{{ sip.close() }}\n'
    )

    root = ET.fromstring(library.render(own, caller_context(tmp_path)))
    assert root.get("name") == "mine" and sends(root)[0].startswith("INVITE sip:10109366@")


def test_header_fields_are_read_from_the_leading_comment() -> None:
    source = "{#-\ndescription: does things: well\nrole: caller\nnot a field\n-#}\n<x/>"
    assert library.header_fields(source) == {"description": "does things: well", "role": "caller"}
    assert library.header_fields("<x/>{# description: late #}") == {}


@pytest.mark.parametrize("changes", [{"caller": "138 0000"}, {"caller": "<x>"}, {"to": "10109366@evil"}])
def test_plan_refuses_what_would_break_the_sip_message(tmp_path: Path, changes: dict[str, str]) -> None:
    opts = {"caller": "1", "to": "2", "audio": None, **changes}
    with pytest.raises(ValueError):
        plan_call(CallOptions(**opts), tmp_path)  # type: ignore[arg-type]


def plan(tmp_path: Path, **changes: Any) -> CallPlan:
    """plan_call for caller 1 dialing 2, no audio, hold 3 s, with `changes`."""
    return plan_call(
        CallOptions(**{"caller": "1", "to": "2", "audio": None, "hold_s": 3, **changes}), tmp_path
    )


def test_plan_times_the_call(tmp_path: Path) -> None:
    plain = plan(tmp_path)
    info = plan(tmp_path, digits="12", dtmf_mode="info", delay_s=1, tone_ms=100, gap_ms=200)

    assert plain.talk_ms == 3000 and plain.context["steps"] == [] and plain.context["media_pcap"] == ""
    assert info.context["steps"] == [
        {"kind": "wait", "ms": 1000},
        {"kind": "info", "digit": "1", "cseq": 2},
        {"kind": "wait", "ms": 300},
        {"kind": "info", "digit": "2", "cseq": 3},
    ]
    assert info.talk_ms == 1000 + 400 + 3000 and info.context["bye_cseq"] == 4


@pytest.mark.parametrize("password", ["has space", "a]b", "x<y", ""])
def test_passwords_sipp_cannot_carry_are_refused(password: str) -> None:
    with pytest.raises(ValueError):
        check_secret(password)


def test_info_pauses_are_longer_waits_between_the_infos(tmp_path: Path) -> None:
    paused = plan(tmp_path, digits="9,1,1", dtmf_mode="info", delay_s=1, tone_ms=100, gap_ms=200, pause_s=1.5)

    waits = [s["ms"] for s in paused.context["steps"] if s["kind"] == "wait"]
    infos = [(s["digit"], s["cseq"]) for s in paused.context["steps"] if s["kind"] == "info"]
    assert waits == [1000, 1600, 1600] and infos == [("9", 2), ("1", 3), ("1", 4)]
    assert paused.context["bye_cseq"] == 5
    assert paused.talk_ms == 1000 + 2 * 1500 + 3 * 100 + 3000
    root = render("call", paused.context)
    check_labels(root)
    assert [s.split("Signal=")[1].split()[0] for s in sends(root) if s.startswith("INFO")] == ["9", "1", "1"]


def test_rfc4733_pauses_lengthen_the_call_and_ride_in_the_pcap(tmp_path: Path) -> None:
    short = plan(tmp_path, digits="11")
    paused = plan(tmp_path, digits="1,1", pause_s=2)

    assert paused.talk_ms - short.talk_ms == 2000 - 300  # the pause replaces the gap
    (wait,) = paused.context["steps"]
    assert wait["ms"] == paused.talk_ms - 3000
    codes = [p.event()[0] for p in read_pcap(Path(paused.context["media_pcap"])) if p.event()]
    assert set(codes) == {1}


def test_a_zero_delay_makes_no_zero_wait(tmp_path: Path) -> None:
    zero = plan(tmp_path, digits="1", dtmf_mode="info", delay_s=0)
    assert zero.context["steps"] == [{"kind": "info", "digit": "1", "cseq": 2}]


def test_a_negative_pause_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pause"):
        plan(tmp_path, digits="1,1", pause_s=-1)
