"""The routing YAML file (city, center, counties with DIDs, prefixes, hours, overflow, queues), validated.

Every problem becomes one `RoutingFileError` naming the file, the entry and the field, e.g.
"routing.yaml: counties[2] (nanshan): prefixes[1]: '07a5' is not digits".
Numbers and times must be quoted strings: YAML reads 075527 as an octal integer and 18:00 as 1080.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from hotline.routing.hours import Days, Hours, parse_time
from hotline.yamlfile import read_yaml

CODE_PATTERN = r"^[a-z][a-z0-9_]*$"


class RoutingFileError(ValueError):
    """The routing file is not valid; the message names the entry and the problem."""


def _quoted(value: object) -> object:
    if value is not None and not isinstance(value, str):
        raise ValueError(
            f"{value!r} must be written in quotes (YAML reads bare numbers and times as integers)"
        )
    return value


def _digits(low: int, high: int) -> Any:
    def check(value: object) -> object:
        value = _quoted(value)
        if not isinstance(value, str) or not value.isascii() or not value.isdigit():
            raise ValueError(f"{value!r} is not digits")
        if not low <= len(value) <= high:
            raise ValueError(f"{value!r} has {len(value)} digits, {low} to {high} expected")
        return value

    return BeforeValidator(check)


def _prefix(value: object) -> object:
    if isinstance(value, str) and value[:1] not in ("0", "1"):
        raise ValueError(f"{value!r} must start with 0 (fixed line) or 1 (mobile)")
    return value


def _time(value: object) -> object:
    value = _quoted(value)
    return parse_time(value) if isinstance(value, str) else value


def _name(value: object) -> object:
    value = _quoted(value)
    return value.strip() if isinstance(value, str) else value


Name = Annotated[str, Field(min_length=1, max_length=64), BeforeValidator(_name)]
Code = Annotated[str, Field(pattern=CODE_PATTERN, max_length=32)]
QueueName = Annotated[str, Field(pattern=CODE_PATTERN, max_length=48)]
Did = Annotated[str, _digits(3, 24)]
Prefix = Annotated[str, BeforeValidator(_prefix), _digits(3, 12)]
Clock = Annotated[time | None, BeforeValidator(_time)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CityEntry(_Strict):
    """The city the center serves; its area code is stored on every county of the file."""

    name_zh: Name
    name_en: Name
    area_code: Annotated[str, _digits(3, 4)]


class HoursEntry(_Strict):
    days: Days = "always"
    open: Clock = None
    close: Clock = None

    @model_validator(mode="after")
    def _order(self) -> HoursEntry:
        if (self.open is None) != (self.close is None):
            raise ValueError("give both open and close, or neither")
        if self.open is not None and self.close is not None and self.open >= self.close:
            raise ValueError(f"open {self.open:%H:%M} is not before close {self.close:%H:%M}")
        return self

    def hours(self) -> Hours:
        return Hours(self.days, self.open, self.close)


class OverflowEntry(_Strict):
    queue: QueueName
    after: Annotated[int, Field(ge=1, le=3600)]


Strategy = Literal[
    "ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "rrordered", "linear", "wrandom"
]


class QueueSettings(_Strict):
    """How a queue treats its callers and agents (app_queue options, and the center's own)."""

    strategy: Strategy = "rrmemory"
    ring_timeout: Annotated[int, Field(ge=5, le=120)] = 15  # seconds an agent's phone rings
    wrapup: Annotated[int, Field(ge=0, le=600)] = 0  # after-call work: no call offered meanwhile
    max_wait: Annotated[int, Field(ge=10, le=7200)] | None = None  # then leave a message
    announce_every: Annotated[int, Field(ge=0, le=600)] = 30  # position and wait; 0: never
    announce_holdtime: bool = True
    callback: bool = True  # press 1 while waiting: be called back, keeping your place
    message_when_empty: bool = True  # nobody logged in: leave a message instead of waiting

    @model_validator(mode="after")
    def _frequency(self) -> QueueSettings:
        if 0 < self.announce_every < 15:
            raise ValueError(f"announce_every {self.announce_every} is too often: 0 (never) or 15 s or more")
        return self


class QueueEntry(_Strict):
    """A queue of a county; settings not given come from the file's queue_defaults."""

    name: QueueName
    skill: Annotated[str | None, Field(pattern=CODE_PATTERN, max_length=32)] = None
    strategy: Strategy | None = None
    ring_timeout: Annotated[int, Field(ge=5, le=120)] | None = None
    wrapup: Annotated[int, Field(ge=0, le=600)] | None = None
    max_wait: Annotated[int, Field(ge=10, le=7200)] | None = None
    announce_every: Annotated[int, Field(ge=0, le=600)] | None = None
    announce_holdtime: bool | None = None
    callback: bool | None = None
    message_when_empty: bool | None = None

    def settings(self, defaults: QueueSettings) -> QueueSettings:
        """This queue's settings: its own where given, else the defaults (validated together)."""
        own = {k: getattr(self, k) for k in self.model_fields_set if k in QueueSettings.model_fields}
        return QueueSettings.model_validate({**defaults.model_dump(), **own})


class CountyEntry(_Strict):
    code: Code
    name_zh: Name
    name_en: Name
    menu_digit: Annotated[str | None, Field(pattern=r"^[1-9]$"), BeforeValidator(_quoted)] = None
    dids: list[Did] = []
    prefixes: list[Prefix] = []
    hours: HoursEntry = HoursEntry()
    overflow: OverflowEntry | None = None
    queues: list[QueueEntry] | None = None

    @property
    def queue_entries(self) -> list[QueueEntry]:
        """Its queues; by default one general queue named as the county."""
        return self.queues if self.queues is not None else [QueueEntry(name=self.code)]


class RoutingFile(_Strict):
    city: CityEntry
    center: Code
    queue_defaults: QueueSettings = QueueSettings()
    counties: Annotated[list[CountyEntry], Field(min_length=1)]


def _county_label(data: Any, index: int) -> str:
    try:
        code = data["counties"][index]["code"]
    except (KeyError, IndexError, TypeError):
        code = None
    return f"counties[{index}] ({code})" if isinstance(code, str) else f"counties[{index}]"


def _location(data: Any, loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for position, step in enumerate(loc):
        if isinstance(step, int):
            if position == 1 and loc[0] == "counties":
                parts[-1] = _county_label(data, step)
            else:
                parts[-1] += f"[{step}]"
        else:
            parts.append(step)
    return ": ".join(parts)


def _first_error(data: Any, exc: ValidationError) -> str:
    error = exc.errors()[0]
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "is missing"
    elif error["type"] == "extra_forbidden":
        message = "is not a known field"
    elif error["type"] == "string_pattern_mismatch" and error["ctx"]["pattern"] == CODE_PATTERN:
        message = (
            f"{error['input']!r} is not a code (a lowercase letter, then lowercase letters, digits or _)"
        )
    elif error["type"] == "string_pattern_mismatch":
        message = f"{error['input']!r} is not a digit 1-9"
    elif error["type"] in ("string_too_short", "too_short"):
        message = "is empty"
    elif message.startswith("Input should be"):
        message = f"{error['input']!r} should be" + message.removeprefix("Input should be")
    location = _location(data, tuple(error["loc"]))
    return f"{location}: {message}" if location else message


def _duplicates(items: Iterable[tuple[str, str, str]]) -> None:
    """Raise for the first value seen twice; items are (county label, field, value)."""
    seen: dict[str, str] = {}
    for label, name, value in items:
        if value in seen:
            raise RoutingFileError(f"{label}: {name}: {value!r} is already used by {seen[value]}")
        seen[value] = label


def _check_file(routing: RoutingFile) -> None:
    labelled = [(f"counties[{i}] ({c.code})", c) for i, c in enumerate(routing.counties)]
    _duplicates((label, "code", c.code) for label, c in labelled)
    _duplicates((label, "menu_digit", c.menu_digit) for label, c in labelled if c.menu_digit)
    _duplicates((label, f"dids[{j}]", d) for label, c in labelled for j, d in enumerate(c.dids))
    _duplicates((label, f"prefixes[{j}]", p) for label, c in labelled for j, p in enumerate(c.prefixes))
    _duplicates(
        (label, f"queues[{j}]", q.name) for label, c in labelled for j, q in enumerate(c.queue_entries)
    )
    codes = {c.code for c in routing.counties}
    if routing.center not in codes:
        raise RoutingFileError(f"center: {routing.center!r} is not one of the counties")
    queues = {q.name for c in routing.counties for q in c.queue_entries}
    for label, county in labelled:
        if county.overflow is not None and county.overflow.queue not in queues:
            raise RoutingFileError(f"{label}: overflow: queue {county.overflow.queue!r} is not in the file")
        for j, queue in enumerate(county.queue_entries):
            try:
                queue.settings(routing.queue_defaults)
            except ValidationError as exc:
                message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
                raise RoutingFileError(f"{label}: queues[{j}] ({queue.name}): {message}") from None


def parse_routing(text: str, source: str) -> RoutingFile:
    """The validated routing file; RoutingFileError names `source`, the entry and the problem."""
    data = read_yaml(text, source, RoutingFileError)
    if not isinstance(data, dict):
        raise RoutingFileError(f"{source}: expected a mapping with city, center and counties")
    try:
        routing = RoutingFile.model_validate(data)
        _check_file(routing)
    except ValidationError as exc:
        raise RoutingFileError(f"{source}: {_first_error(data, exc)}") from None
    except RoutingFileError as exc:
        raise RoutingFileError(f"{source}: {exc}") from None
    return routing
