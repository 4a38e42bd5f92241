"""The IVR interpreter on the demo flow and small flows, with a scripted caller and a fake center."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from hotline.ivr.engine import GUARD, MAX_VISITS, run_flow
from hotline.ivr.ports import IvrCall, IvrHangup, Outcome, RecordedMessage
from hotline.ivr.schema import Flow, parse_flow
from hotline.ivr.speech import ticket_status_prompts
from hotline.ivr.store import DEMO_PATH
from tests.unit.ivrfakes import FakeCenter, ScriptedCaller, call_through

DEMO = parse_flow(DEMO_PATH.read_text(encoding="utf-8"), "demo.yaml")
TICKET = ("20261120-0001", "dispatched", datetime(2026, 11, 20, 17, 30, tzinfo=UTC))


@pytest.mark.parametrize(
    ("script", "category", "skill", "queue"),
    [
        ("_11", "family.nanny", "family", "futian-family"),
        ("_12", "family.cleaning", "family", "futian-family"),
        ("_13", "family.moving", "family", "futian-family"),
        ("_14", "family.tutor", "family", "futian-family"),
        ("_15", "family.escort", "family", "futian-family"),
        ("_16", "family.care", "family", "futian-family"),
        ("_21", "repair.house", "repair", "futian-repair"),
        ("_22", "repair.appliance", "repair", "futian-repair"),
        ("_23", "repair.utilities", "repair", "futian-repair"),
        ("_3", "elderly", "elderly", "futian-elderly"),
        ("_4", "lifeinfo", "info", "futian-info"),
        ("_51", "complaint", "complaint", "futian-complaint"),
        ("_52", "suggestion", "complaint", "futian-complaint"),
    ],
)
def test_each_service_choice_sets_category_and_skill_and_queues(
    script: str, category: str, skill: str, queue: str
) -> None:
    r = call_through(DEMO, script)
    assert r.outcome == Outcome("queue", queue=queue)
    assert (r.call.category, r.call.skill, r.call.language) == (category, skill, "zh")
    assert r.nodes()[-1] == "queue"
    assert "transfer_notice" not in r.caller.prompts()


@pytest.mark.parametrize("script", ["_0", "_10", "_20", "_50"])
def test_zero_in_any_menu_reaches_a_person(script: str) -> None:
    r = call_through(DEMO, script)
    assert r.outcome == Outcome("queue", queue="futian")
    assert (r.call.category, r.call.skill) == (None, None)
    assert r.caller.played[-1] == ("transfer_notice",)


def test_the_path_notes_every_node_with_keys_and_time() -> None:
    r = call_through(DEMO, "_11")
    assert r.nodes() == ["language", "locate", "hours", "main", "family", "nanny", "queue"]
    language, locate, hours, main = r.call.path[:4]
    assert language == {
        "node": "language",
        "type": "menu",
        "t": language["t"],
        "digits": "",
        "result": "timeout",
        "next": "locate",
    }
    assert locate["skipped"] is True and hours["result"] == "open"
    assert (main["digits"], main["result"]) == ("1", "family")
    times = [entry["t"] for entry in r.call.path]
    assert times == sorted(times) and all(round(t, 1) == t for t in times)
    assert r.call.path[-1]["result"] == "futian-family" and r.call.flow_name == "main"


def test_an_invalid_key_plays_invalid_and_replays_the_menu() -> None:
    r = call_through(DEMO, "_7.11")
    assert r.caller.played == [
        ("welcome_language",),
        ("main_menu",),
        ("invalid",),
        ("main_menu",),
        ("family_menu",),
    ]
    assert [(e["node"], e.get("digits"), e["result"]) for e in r.call.path if e["node"] == "main"] == [
        ("main", "7", "invalid"),
        ("main", "1", "family"),
    ]
    assert r.call.category == "family.nanny"


def test_a_timeout_plays_no_input_and_replays_the_menu() -> None:
    r = call_through(DEMO, "__.12")
    assert r.caller.played[1:4] == [("main_menu",), ("no_input",), ("main_menu",)]
    assert r.call.category == "family.cleaning"


@pytest.mark.parametrize("script", ["_7.8.9", "_7.__", "____"])
def test_three_failures_reach_a_person(script: str) -> None:
    r = call_through(DEMO, script)
    assert r.outcome == Outcome("queue", queue="futian")
    assert r.caller.prompts().count("main_menu") == 3
    assert r.call.path[-2]["next"] == "agent" and r.nodes()[-1] == "agent"


def test_a_key_pressed_during_the_hint_answers_the_menu() -> None:
    r = call_through(DEMO, "_73")  # 3 interrupts "invalid": main is not played again
    assert r.caller.played[1:] == [("main_menu",), ("invalid",)]
    assert r.call.category == "elderly"


def test_nine_switches_to_english_for_the_rest_of_the_call() -> None:
    r = call_through(DEMO, "923")
    assert r.caller.languages == ["zh", "en", "en"]
    assert r.caller.played == [("welcome_language",), ("main_menu",), ("repair_menu",)]
    assert (r.call.language, r.call.category) == ("en", "repair.utilities")


def test_main_menu_keys_typed_during_the_welcome_are_kept() -> None:
    r = call_through(DEMO, "11")
    assert r.call.category == "family.nanny"
    assert "main_menu" not in r.caller.prompts()  # the caller already answered it
    # the fake clock ticks 0.25 s a reading: the first visit is at 0.25 s, noted as 0.2
    assert r.call.path[0] == {
        "node": "language",
        "type": "menu",
        "t": 0.2,
        "digits": "1",
        "kept": True,
        "result": "locate",
    }
    assert r.call.language == "zh"


def test_after_hours_the_caller_leaves_a_message_and_the_call_ends() -> None:
    message = RecordedMessage("/var/hotline/messages/msg-c0ffee.wav", 12.5)
    r = call_through(DEMO, "_", center=FakeCenter(open=False), message=message)
    assert r.outcome == Outcome("hangup")
    assert r.center.saved == [("c0ffee", "futian", message)]
    assert r.caller.recorded == [("msg-c0ffee", 60)]
    assert r.caller.played[1:] == [("closed",), ("message_saved", "goodbye")]
    assert r.nodes()[2:] == ["hours", "closed", "saved"]
    assert r.call.path[3]["seconds"] == 12.5


def test_after_hours_without_a_message_the_caller_just_hears_goodbye() -> None:
    r = call_through(DEMO, "_", center=FakeCenter(open=False), message=None)
    assert r.center.saved == []
    assert r.caller.played[-1] == ("goodbye",)
    assert r.call.path[3]["result"] == "empty"


def test_an_unknown_district_is_asked_and_the_choice_is_kept() -> None:
    r = call_through(DEMO, "_2.11", county=None)
    assert r.caller.played[1] == ("choose_district",)
    assert (r.call.county, r.call.routing_reason) == ("luohu", "choice")
    assert r.outcome == Outcome("queue", queue="luohu-family")


@pytest.mark.parametrize("script", ["_0", "_7.8.9"])
def test_no_district_chosen_goes_to_the_center_agents(script: str) -> None:
    r = call_through(DEMO, script, county=None)
    assert r.call.county is None and r.call.routing_reason == "ask"
    assert r.outcome == Outcome("queue", queue="city")
    assert "hours" not in r.nodes()


def test_without_a_district_menu_the_question_is_not_asked() -> None:
    class NoMenu(FakeCenter):
        async def county_menu(self) -> dict[str, str]:
            return {}

    r = call_through(DEMO, "_", county=None, center=NoMenu())
    assert r.caller.played[1:] == [("transfer_notice",)]
    assert r.call.path[1]["result"] == "no_menu" and r.outcome == Outcome("queue", queue="city")


def test_a_known_ticket_is_read_back_in_the_center_date() -> None:
    center = FakeCenter(tickets={TICKET[0]: TICKET})
    r = call_through(DEMO, "_6202611200001#0", center=center)
    local = datetime(2026, 11, 21, 1, 30)  # 17:30 UTC is 01:30 the next day in Shanghai
    spoken = ticket_status_prompts("20261120-0001", "dispatched", local, "zh")
    assert r.caller.played[1:] == [
        ("main_menu",),
        ("enter_ticket",),
        tuple(spoken),
        ("main_menu",),
        ("transfer_notice",),
    ]
    assert spoken[-3:] == ["n_20", "digit_1", "day"]
    assert r.call.variables == {"ticket": "202611200001"}
    ticket_say = r.call.path[r.nodes().index("ticket_say")]
    assert ticket_say["ticket"] == TICKET[0] and ticket_say["status"] == "dispatched"
    assert (ticket_say["result"], ticket_say["next"]) == ("found", "main")


@pytest.mark.parametrize("script", ["_6202611209999#0", "_6202613200001#0", "_61234567890123#0"])
def test_an_unknown_ticket_says_so_and_returns_to_the_menu(script: str) -> None:
    r = call_through(DEMO, script, center=FakeCenter(tickets={TICKET[0]: TICKET}))
    assert r.caller.played[3:] == [("ticket_unknown",), ("main_menu",), ("transfer_notice",)]
    assert r.call.path[r.nodes().index("ticket_say")]["result"] == "unknown"


def test_a_too_short_ticket_number_is_asked_again() -> None:
    r = call_through(DEMO, "_61234#.202611200001#0", center=FakeCenter(tickets={TICKET[0]: TICKET}))
    assert r.caller.played[2:4] == [("enter_ticket",), ("invalid",)]
    assert r.call.variables["ticket"] == "202611200001"


SMALL = """
name: small
start: intro
defaults: {operator: agent}
nodes:
  intro: {type: play, prompts: [welcome], interruptible: true, next: where}
  where: {type: menu, prompt: main_menu, options: {1: nanshan, 2: out}}
  nanshan: {type: set, county: nanshan, urgency: urgent, next: agent}
  out: {type: transfer, number: "075512345678"}
  agent: {type: route, skill: intake}
"""


def test_set_county_counts_as_a_choice_and_route_sets_the_skill() -> None:
    r = call_through(parse_flow(SMALL, "small.yaml"), ".1", county=None)
    assert (r.call.county, r.call.routing_reason, r.call.urgency, r.call.skill) == (
        "nanshan",
        "choice",
        "urgent",
        "intake",
    )
    assert r.outcome == Outcome("queue", queue="nanshan-intake")


def test_a_key_interrupting_a_play_node_answers_the_next_menu() -> None:
    r = call_through(parse_flow(SMALL, "small.yaml"), "2")
    assert r.outcome == Outcome("transfer", number="075512345678")
    assert r.caller.played == [("welcome",)]


LOOP = """
name: loop
start: a
nodes:
  a: {type: play, prompt: welcome, next: b}
  b: {type: play, prompt: goodbye, next: a}
"""


def test_a_looping_flow_hands_the_caller_to_a_person() -> None:
    r = call_through(parse_flow(LOOP, "loop.yaml"), "")
    assert r.outcome == Outcome("queue", queue="futian")
    assert len(r.call.path) == MAX_VISITS + 1 and r.nodes()[-1] == GUARD


def test_a_hangup_propagates() -> None:
    with pytest.raises(IvrHangup):
        call_through(DEMO, "_1")  # the caller leaves in the family menu


def test_a_failing_service_propagates() -> None:
    class Broken(FakeCenter):
        async def is_open(self, county: str | None, at: datetime) -> tuple[bool, str]:
            raise RuntimeError("database down")

    with pytest.raises(RuntimeError, match="database down"):
        call_through(DEMO, "_1", center=Broken())


def test_a_flow_object_is_not_changed_by_running_it() -> None:
    flow: Flow = parse_flow(SMALL, "small.yaml")
    before = flow.model_dump()
    call = IvrCall("c1", None, None, "zh")
    asyncio.run(run_flow(flow, call, ScriptedCaller("21"), FakeCenter()))
    assert flow.model_dump() == before
