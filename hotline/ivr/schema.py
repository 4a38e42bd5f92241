"""The flow YAML as immutable pydantic models, and `parse_flow` with one-sentence errors.

A flow is a `name`, a `start` node, `defaults` and `nodes: {id: node}`; each node has a `type`
(play, menu, collect, set, route, hours, choose_county, message, ticket_status, transfer, hangup).
`docs/ivr.md` describes every field. Errors name the file, the node and the problem, e.g.
"main.yaml: node 'family': option '7' goes to unknown node 'nany'".
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from hotline.ivr.graph import IMPLICIT_ZERO, OPERATOR, check_graph
from hotline.ivr.speech import SPEECH_PROMPTS
from hotline.vocabulary import LANGUAGES
from hotline.yamlfile import read_yaml
from ivr_prompts.build import TEXTS_DIR, PromptError, languages, load_texts

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,47}$"
CODE_PATTERN = r"^[a-z][a-z0-9_.]{0,47}$"
NUMBER_PATTERN = r"^[0-9]{1,24}$"
PATTERNS = {
    NAME_PATTERN: "a name (a lowercase letter, then lowercase letters, digits or _)",
    CODE_PATTERN: "a code (a lowercase letter, then lowercase letters, digits, _ or .)",
    NUMBER_PATTERN: "a phone number (digits only)",
}
KEYS = "0123456789*#"
TYPES = ("play", "menu", "collect", "set", "route", "hours", "choose_county", "message", "ticket_status",
         "transfer", "hangup")  # fmt: skip


class FlowError(ValueError):
    """The flow is not valid; the message names the file, the node and the problem."""


def _prompts(value: object) -> object:
    return (value,) if isinstance(value, str) else value


def _key(value: object) -> object:
    if isinstance(value, int) and 0 <= value <= 9:
        return str(value)  # `9: english` in YAML is an int key
    if not isinstance(value, str) or len(value) != 1 or value not in KEYS:
        raise ValueError(f"{value!r} is not a phone key (0-9, * or #)")
    return value


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise ValueError(f"{value!r} is not a language ({', '.join(LANGUAGES)})")
    return value


def _given(**links: str | None) -> dict[str, str]:
    return {label: target for label, target in links.items() if target is not None}


def _options(value: object) -> object:
    """Keys as strings; `1:` and `"1":` in one menu would silently replace each other."""
    if not isinstance(value, dict):
        return value
    options: dict[object, object] = {}
    for key, target in value.items():
        normal = _key(key)
        if normal in options:
            raise ValueError(f"key {normal!r} appears twice")
        options[normal] = target
    return options


Id = Annotated[str, Field(pattern=NAME_PATTERN)]
Key = Annotated[str, BeforeValidator(_key)]
PromptName = Annotated[str, Field(pattern=NAME_PATTERN)]
Prompts = Annotated[tuple[PromptName, ...], BeforeValidator(_prompts)]
Seconds = Annotated[float, Field(gt=0, le=600)]
Retries = Annotated[int, Field(ge=1, le=10)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class _Node(_Frozen):
    prompts: Prompts = Field(default=(), validation_alias=AliasChoices("prompts", "prompt"))

    def links(self) -> dict[str, str]:
        """Label -> id of every node this one may go to (OPERATOR: the flow's operator node)."""
        return {}

    def prompt_names(self) -> tuple[str, ...]:
        """Every prompt this node may play (both languages must have each)."""
        return self.prompts


class _Asking(_Node):
    """A node that waits for keys, retries and gives up to `on_fail` (default: the operator)."""

    timeout: Seconds | None = None
    retries: Retries | None = None
    on_timeout: Id | None = None
    on_fail: Id | None = None
    invalid_prompt: PromptName = "invalid"
    timeout_prompt: PromptName = "no_input"

    def links(self) -> dict[str, str]:
        return _given(on_timeout=self.on_timeout) | {"on_fail": self.on_fail or OPERATOR}

    def prompt_names(self) -> tuple[str, ...]:
        return (*self.prompts, self.invalid_prompt, self.timeout_prompt)


class PlayNode(_Node):
    type: Literal["play"]
    next: Id
    interruptible: bool = False

    def links(self) -> dict[str, str]:
        return {"next": self.next}


class MenuNode(_Asking):
    type: Literal["menu"]
    options: Annotated[dict[Key, Id], Field(min_length=1), BeforeValidator(_options)]
    on_invalid: Id | None = None
    other: Id | None = None  # any other key goes there and stays the next input (type-ahead)

    def links(self) -> dict[str, str]:
        operator = {} if "0" in self.options or self.other else {IMPLICIT_ZERO: OPERATOR}
        options = {f"option '{k}'": v for k, v in self.options.items()}
        return options | operator | _given(on_invalid=self.on_invalid, other=self.other) | super().links()


class CollectNode(_Asking):
    type: Literal["collect"]
    var: Id
    min_digits: Annotated[int, Field(ge=1, le=32)] = 1
    max_digits: Annotated[int, Field(ge=1, le=32)] = 20
    terminator: Key = "#"
    next: Id

    @model_validator(mode="after")
    def _range(self) -> CollectNode:
        if self.min_digits > self.max_digits:
            raise ValueError(f"min_digits {self.min_digits} is more than max_digits {self.max_digits}")
        return self

    def links(self) -> dict[str, str]:
        return {"next": self.next} | super().links()


class SetNode(_Node):
    type: Literal["set"]
    language: Annotated[str, AfterValidator(_language)] | None = None
    category: Annotated[str, Field(pattern=CODE_PATTERN)] | None = None
    urgency: Literal["normal", "urgent", "critical"] | None = None
    skill: Annotated[str, Field(pattern=CODE_PATTERN, max_length=32)] | None = None
    county: Annotated[str, Field(pattern=NAME_PATTERN, max_length=32)] | None = None
    next: Id

    def links(self) -> dict[str, str]:
        return {"next": self.next}


class RouteNode(_Node):
    type: Literal["route"]
    skill: Annotated[str, Field(pattern=CODE_PATTERN, max_length=32)] | None = None


class HoursNode(_Node):
    type: Literal["hours"]
    open: Id
    closed: Id

    def links(self) -> dict[str, str]:
        return {"open": self.open, "closed": self.closed}


class ChooseCountyNode(_Asking):
    type: Literal["choose_county"]
    next: Id

    def links(self) -> dict[str, str]:
        return {"next": self.next} | super().links()


class MessageNode(_Node):
    type: Literal["message"]
    max_seconds: Annotated[int, Field(ge=1, le=600)] = 60
    next: Id
    on_empty: Id | None = None  # nothing recorded (default: next)

    def links(self) -> dict[str, str]:
        return {"next": self.next} | _given(on_empty=self.on_empty)


class TicketStatusNode(_Node):
    type: Literal["ticket_status"]
    var: Id
    next: Id
    on_unknown: Id | None = None
    unknown_prompt: PromptName = "ticket_unknown"

    def links(self) -> dict[str, str]:
        return {"next": self.next} | _given(on_unknown=self.on_unknown)

    def prompt_names(self) -> tuple[str, ...]:
        return (*self.prompts, self.unknown_prompt, *SPEECH_PROMPTS)


class TransferNode(_Node):
    type: Literal["transfer"]
    number: Annotated[str, Field(pattern=NUMBER_PATTERN)]


class HangupNode(_Node):
    type: Literal["hangup"]


Node = Annotated[
    PlayNode
    | MenuNode
    | CollectNode
    | SetNode
    | RouteNode
    | HoursNode
    | ChooseCountyNode
    | MessageNode
    | TicketStatusNode
    | TransferNode
    | HangupNode,
    Field(discriminator="type"),
]


class Defaults(_Frozen):
    timeout: Seconds = 5.0
    retries: Retries = 3
    operator: Id | None = None  # where 0 and `retries` failures go


class Flow(_Frozen):
    """One IVR flow; immutable, so a call keeps the version it started with."""

    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    description: str = ""
    start: Id
    defaults: Defaults = Defaults()
    max_menu_depth: Annotated[int, Field(ge=1, le=9)] = 3
    nodes: Annotated[dict[Id, Node], Field(min_length=1)]

    @model_validator(mode="after")
    def _graph(self) -> Flow:
        check_graph(self)
        return self

    def target(self, link: str | None) -> str:
        """The node a link goes to: the operator node for OPERATOR or None."""
        target = link or self.defaults.operator
        assert target is not None, "check_graph requires an operator wherever one is needed"
        return target


def _describe(error: Any) -> str:
    """One validation error as "node 'x': field: problem"."""
    parts = list(error["loc"])
    if parts and parts[-1] == "[key]":
        parts = parts[:-2]  # a bad dict key: the message quotes it
    loc = [str(part) for part in parts if not isinstance(part, int)]  # a list index: the message quotes it
    if len(loc) >= 2 and loc[0] == "nodes":
        loc = [f"node {loc[1]!r}", *loc[3:]]  # loc[2] is the node's type tag
    kind = error["type"]
    if kind in ("missing", "extra_forbidden") and loc:
        what = "is missing" if kind == "missing" else "is not a known field"
        return ": ".join(loc[:-1] + [f"{loc[-1]} {what}"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "union_tag_invalid":
        message = f"unknown type {error['ctx']['tag']!r} (one of {', '.join(TYPES)})"
    elif kind == "union_tag_not_found":
        message = f"needs a type (one of {', '.join(TYPES)})"
    elif kind == "string_pattern_mismatch":
        message = f"{error['input']!r} is not {PATTERNS.get(error['ctx']['pattern'], 'valid here')}"
    return ": ".join([*loc, message])


def flow_from_data(data: object, source: str) -> Flow:
    """Validate already-parsed data (the YAML, or a stored definition)."""
    if not isinstance(data, dict):
        raise FlowError(f"{source}: a flow is a mapping with name, start and nodes")
    try:
        return Flow.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        # A misspelt field also makes the real one missing: name the misspelling.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        raise FlowError(f"{source}: {_describe(first)}") from None


def parse_flow(text: str, source: str) -> Flow:
    """The validated flow of YAML `text`; FlowError names `source`, the node and the problem."""
    return flow_from_data(read_yaml(text, source, FlowError), source)


def available_prompts(texts_dir: Path = TEXTS_DIR) -> dict[str, set[str]]:
    """Language -> names of the prompts `hotline prompts build` makes (the texts files' keys).

    A recorded file counts only through its text: the build ignores recordings without one.
    """
    try:
        return {lang: set(load_texts(lang, texts_dir)) for lang in languages(texts_dir)}
    except PromptError as exc:
        raise FlowError(str(exc)) from None


def validate_prompts(flow: Flow, available: dict[str, set[str]], source: str | None = None) -> None:
    """Raise FlowError for the first prompt some language of LANGUAGES lacks."""
    for node_id, node in flow.nodes.items():
        for name in node.prompt_names():
            for lang in LANGUAGES:
                if name not in available.get(lang, set()):
                    raise FlowError(
                        f"{source or flow.name}: node {node_id!r}: prompt {name!r} has no {lang} text "
                        f"(add it to ivr_prompts/texts/{lang}.yaml)"
                    )
