"""A scripted caller (CallIO) and a fake center (IvrServices) for the IVR interpreter's tests."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.ivr.engine import run_flow
from hotline.ivr.ports import IvrCall, IvrHangup, Outcome, RecordedMessage
from hotline.ivr.schema import Flow

SHANGHAI = ZoneInfo("Asia/Shanghai")
DISTRICTS = {"1": "futian", "2": "luohu", "3": "nanshan", "4": "baoan", "5": "longgang"}
LET_PLAY = "."  # the caller lets the current prompt play to its end
SILENCE = "_"  # the caller presses nothing until the timeout


class ScriptedCaller:
    """CallIO driven by a script such as "_7.11": a key is pressed as soon as the IVR listens
    (interrupting a prompt that allows it), "." lets one prompt play out, "_" waits out a timeout.
    When the script runs out, the caller hangs up."""

    def __init__(self, script: str, message: RecordedMessage | None = None) -> None:
        self.keys = deque(script)
        self.played: list[tuple[str, ...]] = []
        self.languages: list[str] = []
        self.message = message
        self.recorded: list[tuple[str, int]] = []

    async def play(self, prompts: list[str], language: str, interruptible: bool = True) -> str | None:
        self.played.append(tuple(prompts))
        self.languages.append(language)
        if not interruptible or not self.keys or self.keys[0] == SILENCE:
            return None
        key = self.keys.popleft()
        return None if key == LET_PLAY else key

    async def get_digit(self, timeout: float) -> str | None:
        while self.keys and self.keys[0] == LET_PLAY:
            self.keys.popleft()
        if not self.keys:
            raise IvrHangup("script ended")
        key = self.keys.popleft()
        return None if key == SILENCE else key

    async def record(self, name: str, max_seconds: int, language: str) -> RecordedMessage | None:
        self.recorded.append((name, max_seconds))
        return self.message

    def prompts(self) -> list[str]:
        """Every prompt played, in order, flattened."""
        return [name for group in self.played for name in group]


@dataclass
class FakeCenter:
    """IvrServices: queue "<county or city>[-<skill>]", fixed hours, a district menu, tickets."""

    open: bool = True
    tickets: dict[str, tuple[str, str, datetime]] = field(default_factory=dict)
    saved: list[tuple[str, str | None, RecordedMessage]] = field(default_factory=list)
    at: datetime = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)

    def now(self) -> datetime:
        return self.at

    async def resolve_queue(self, county: str | None, skill: str | None) -> Outcome:
        queue = county or "city"
        return Outcome("queue", queue=f"{queue}-{skill}" if skill else queue)

    async def is_open(self, county: str | None, at: datetime) -> tuple[bool, str]:
        return self.open, "office hours" if self.open else "night"

    async def county_menu(self) -> dict[str, str]:
        return dict(DISTRICTS)

    async def ticket_status(self, number: str) -> tuple[str, str, datetime] | None:
        return self.tickets.get(number)

    async def save_message(self, call: IvrCall, message: RecordedMessage) -> None:
        self.saved.append((call.uid, call.county, message))


@dataclass
class Result:
    outcome: Outcome
    call: IvrCall
    caller: ScriptedCaller
    center: FakeCenter

    def nodes(self) -> list[str]:
        return [entry["node"] for entry in self.call.path]


def call_through(
    flow: Flow,
    script: str,
    *,
    county: str | None = "futian",
    center: FakeCenter | None = None,
    message: RecordedMessage | None = None,
) -> Result:
    """Run `flow` for a Mandarin call from `county` with the caller following `script`."""
    call = IvrCall(
        "c0ffee", "13800138001", "10109366", "zh", county=county, routing_reason="prefix" if county else "ask"
    )
    caller, center = ScriptedCaller(script, message), center or FakeCenter()
    ticks = iter(range(10_000))
    outcome = asyncio.run(run_flow(flow, call, caller, center, clock=lambda: next(ticks) * 0.25))
    return Result(outcome, call, caller, center)
