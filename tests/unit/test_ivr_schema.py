"""Flow files: every problem is one sentence naming the file, the node and what is wrong."""

from __future__ import annotations

import pydantic
import pytest
import yaml

from hotline.ivr.graph import menu_depth
from hotline.ivr.schema import FlowError, MenuNode, available_prompts, parse_flow, validate_prompts
from hotline.ivr.speech import SPEECH_PROMPTS
from hotline.ivr.store import DEMO_PATH
from hotline.vocabulary import LANGUAGES

BASE = """
name: main
start: main
defaults: {operator: agent}
nodes:
  main: {type: menu, prompt: main_menu, options: {1: family, 0: agent}}
  family: {type: menu, prompt: family_menu, options: {1: nanny}}
  nanny: {type: set, category: family.nanny, skill: family, next: queue}
  queue: {type: route}
  agent: {type: route, prompt: transfer_notice}
"""


def error_of(text: str) -> str:
    with pytest.raises(FlowError) as err:
        parse_flow(text, "main.yaml")
    return str(err.value)


def test_the_demo_flow_is_valid_with_every_prompt_in_both_languages() -> None:
    flow = parse_flow(DEMO_PATH.read_text(encoding="utf-8"), "demo.yaml")
    validate_prompts(flow, available_prompts())
    assert (flow.name, flow.start, flow.defaults.operator) == ("main", "language", "agent")
    assert menu_depth(flow) == 3  # the language menu, the service menu, one submenu


def test_a_link_to_an_unknown_node_is_named() -> None:
    text = BASE.replace("{1: nanny}", "{1: nanny, 7: nany}")
    assert error_of(text) == "main.yaml: node 'family': option '7' goes to unknown node 'nany'"


def test_an_unknown_next_and_start_are_named() -> None:
    assert error_of(BASE.replace("next: queue", "next: queu")) == (
        "main.yaml: node 'nanny': next goes to unknown node 'queu'"
    )
    assert error_of(BASE.replace("start: main", "start: welcome")) == (
        "main.yaml: start node 'welcome' is not defined"
    )


def test_an_unreachable_node_is_named() -> None:
    text = BASE + "  lost: {type: hangup, prompt: goodbye}\n"
    assert error_of(text) == "main.yaml: node 'lost' is not reachable from start node 'main'"


@pytest.mark.parametrize("key", ["x", "12", "'10'", "'a'"])
def test_a_key_that_is_not_on_a_phone_is_refused(key: str) -> None:
    message = error_of(BASE.replace("{1: nanny}", f"{{1: nanny, {key}: nanny}}"))
    assert message.startswith("main.yaml: node 'family': options: ")
    assert message.endswith("is not a phone key (0-9, * or #)")


def test_a_key_given_twice_is_refused() -> None:
    message = error_of(BASE.replace("{1: nanny}", "{1: nanny, '1': main}"))
    assert message == "main.yaml: node 'family': options: key '1' appears twice"


def test_the_demo_read_and_rewritten_as_yaml_keeps_string_keys() -> None:
    data = yaml.safe_load(DEMO_PATH.read_text(encoding="utf-8"))
    data["nodes"]["main"]["options"].update({"1": "repair", "2": "family"})
    flow = parse_flow(yaml.safe_dump(data, allow_unicode=True), "main.yaml")
    node = flow.nodes["main"]
    assert isinstance(node, MenuNode) and (node.options["1"], node.options["2"]) == ("repair", "family")


def test_star_and_pound_are_keys() -> None:
    flow = parse_flow(BASE.replace("{1: nanny}", "{1: nanny, '*': main, '#': agent}"), "main.yaml")
    node = flow.nodes["family"]
    assert isinstance(node, MenuNode) and list(node.options) == ["1", "*", "#"]


def test_menus_deeper_than_allowed_are_refused() -> None:
    text = BASE.replace("{1: nanny}", "{1: deeper}") + (
        "  deeper: {type: menu, prompt: family_menu, options: {1: deepest}}\n"
        "  deepest: {type: menu, prompt: family_menu, options: {1: nanny}}\n"
    )
    assert error_of(text) == (
        "main.yaml: node 'deepest': menus are 4 levels deep there, more than max_menu_depth 3"
    )
    assert menu_depth(parse_flow(text + "max_menu_depth: 4\n", "main.yaml")) == 4


def test_plays_sets_and_hours_do_not_count_as_menu_levels() -> None:
    text = BASE.replace("start: main", "start: hello") + (
        "  hello: {type: play, prompt: welcome, next: open}\n"
        "  open: {type: hours, open: main, closed: agent}\n"
    )
    assert menu_depth(parse_flow(text, "main.yaml")) == 2


def test_a_missing_prompt_names_the_node_and_the_language() -> None:
    flow = parse_flow(BASE, "main.yaml")
    available = {"zh": {"main_menu", "family_menu", "transfer_notice", "invalid", "no_input"}, "en": set()}
    with pytest.raises(FlowError) as err:
        validate_prompts(flow, available, "main.yaml")
    assert str(err.value) == (
        "main.yaml: node 'main': prompt 'main_menu' has no en text (add it to ivr_prompts/texts/en.yaml)"
    )


def test_a_ticket_status_node_needs_every_speech_prompt() -> None:
    text = (
        BASE.replace("{1: nanny}", "{1: nanny, 6: say}")
        + "  say: {type: ticket_status, var: t, next: main}\n"
    )
    flow = parse_flow(text, "main.yaml")
    available = {lang: set(available_prompts()[lang]) - {"month_11"} for lang in LANGUAGES}
    with pytest.raises(FlowError, match="node 'say': prompt 'month_11' has no zh text"):
        validate_prompts(flow, available)


def test_the_prompt_texts_cover_speech_in_both_languages() -> None:
    available = available_prompts()
    assert available["zh"] == available["en"]
    assert set(SPEECH_PROMPTS) <= available["zh"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("type: route}", "type: route, foo: 1}"), "node 'queue': foo is not a known field"),
        (("next: queue", "nxt: queue"), "node 'nanny': nxt is not a known field"),
        (("type: route}", "type: router}"), "node 'queue': unknown type 'router' (one of play, menu,"),
        (("{type: route}", "{skill: x}"), "node 'queue': needs a type"),
        (
            ("category: family.nanny", "language: fr"),
            "node 'nanny': language: 'fr' is not a language (zh, en)",
        ),
        (("category: family.nanny", "urgency: asap"), "node 'nanny': urgency: Input should be 'normal'"),
        (("prompt: main_menu", "prompt: Main"), "node 'main': prompt: 'Main' is not a name"),
        (
            ("defaults: {operator: agent}", ""),
            "node 'main': on_fail needs a node (no defaults.operator is set)",
        ),
        (("operator: agent", "operator: agnt"), "defaults: operator 'agnt' is not a node"),
        (("name: main\n", ""), "main.yaml: name is missing"),
        (("name: main", "title: main"), "main.yaml: title is not a known field"),
    ],
)
def test_schema_errors_are_one_sentence(change: tuple[str, str], message: str) -> None:
    assert message in error_of(BASE.replace(*change))


def test_yaml_and_shape_errors_are_one_sentence() -> None:
    assert (
        error_of("nodes: [") == "main.yaml is not valid YAML (line 1, column 9): expected the node content, "
        "but found '<stream end>'"
    )
    assert error_of("- a\n") == "main.yaml: a flow is a mapping with name, start and nodes"


def test_collect_digit_bounds_are_checked() -> None:
    text = BASE.replace("{1: nanny}", "{1: nanny, 6: num}") + (
        "  num: {type: collect, var: t, min_digits: 5, max_digits: 2, next: main}\n"
    )
    assert error_of(text) == "main.yaml: node 'num': min_digits 5 is more than max_digits 2"


def test_a_flow_is_immutable() -> None:
    flow = parse_flow(BASE, "main.yaml")
    with pytest.raises(pydantic.ValidationError):
        flow.start = "family"
    with pytest.raises(pydantic.ValidationError):
        flow.nodes["main"].prompts = ("welcome",)


def test_one_prompt_or_a_list_of_prompts() -> None:
    flow = parse_flow(
        BASE.replace("prompt: transfer_notice", "prompts: [transfer_notice, goodbye]"), "m.yaml"
    )
    assert flow.nodes["agent"].prompts == ("transfer_notice", "goodbye")
    assert flow.nodes["main"].prompts == ("main_menu",)
