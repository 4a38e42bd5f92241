"""What the IVR interpreter needs from the outside world, as protocols.

The interpreter (`hotline.ivr.engine`) knows nothing of ARI or the database: ari_app gives it a
`CallIO` (the caller's channel) and `IvrServices` (routing, tickets, messages); unit tests give it
fakes. Everything the flow learns about the call is kept on one `IvrCall`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol


class IvrHangup(Exception):
    """The caller hung up during the flow (raised by CallIO methods)."""


@dataclass
class IvrCall:
    """The state of one call going through a flow; `path` is stored on the call row."""

    uid: str
    caller: str | None
    dialed: str | None
    language: str  # Asterisk language code: zh | en
    county: str | None = None  # county code once known
    routing_reason: str | None = None  # hotline.vocabulary.REASON_*
    routing_detail: str | None = None
    category: str | None = None  # service category code (family.nanny, repair, complaint, ...)
    urgency: str | None = None  # normal | urgent | critical
    skill: str | None = None
    variables: dict[str, str] = field(default_factory=dict)  # digits collected by `collect` nodes
    path: list[dict[str, Any]] = field(default_factory=list)  # one entry per node visited
    flow_name: str | None = None
    flow_version: int | None = None


@dataclass(frozen=True)
class Outcome:
    """Where the call goes when the flow ends."""

    kind: Literal["queue", "transfer", "hangup"]
    queue: str | None = None  # kind == queue: the app_queue name
    number: str | None = None  # kind == transfer: the number to dial
    overflow_queue: str | None = None  # kind == queue: where a long wait overflows to
    overflow_wait: int | None = None  # seconds


@dataclass(frozen=True)
class RecordedMessage:
    path: str  # where the file is, as the host sees it
    duration_s: float | None


class CallIO(Protocol):
    """The caller's channel. Every method raises IvrHangup when the caller is gone."""

    async def play(self, prompts: list[str], language: str, interruptible: bool = True) -> str | None:
        """Play prompt names (`hotline/<name>` sounds) in sequence; with `interruptible`, the first
        DTMF digit stops the playback and is returned (and NOT kept for get_digit). None if the
        prompts played to the end with no digit."""
        ...

    async def get_digit(self, timeout: float) -> str | None:
        """The next DTMF digit (one pressed earlier and not yet consumed comes first), or None
        after `timeout` seconds of silence."""
        ...

    async def record(self, name: str, max_seconds: int, language: str) -> RecordedMessage | None:
        """Beep and record the caller until `#`, silence or `max_seconds`; None if nothing usable
        was recorded. `name` is a safe token (letters, digits, dash) for the file name."""
        ...


class IvrServices(Protocol):
    """Data the flow needs: routing, hours, tickets, messages."""

    def now(self) -> datetime:
        """The center's clock (aware); tests and demos inject a fixed start."""
        ...

    async def resolve_queue(self, county: str | None, skill: str | None) -> Outcome:
        """The queue outcome for a county and skill (the county's general queue when it has no
        queue for the skill; the city center when county is None), with its overflow."""
        ...

    async def is_open(self, county: str | None, at: datetime) -> tuple[bool, str]:
        """Whether the county (the city center when None) is within business hours at `at`,
        and a short reason (e.g. "public holiday: National Day")."""
        ...

    async def county_menu(self) -> dict[str, str]:
        """Digit -> county code of the district menu (routing data)."""
        ...

    async def ticket_status(self, number: str) -> tuple[str, str, datetime] | None:
        """(ticket number, status, last change) of a ticket, or None if unknown."""
        ...

    async def save_message(self, call: IvrCall, message: RecordedMessage) -> None:
        """Store a left message as a pending item for the next agent of the call's county."""
        ...
