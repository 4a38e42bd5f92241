"""The center's clock: the real time, or a fixed start (settings.clock) running on from its first reading."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hotline.settings import Settings

_lock = threading.Lock()
# settings.clock text -> monotonic reading when this process first asked for it
_started: dict[str, float] = {}


def parse_clock(text: str, tz: str) -> datetime:
    """The aware start of a fixed clock; a naive value is in the center's time zone `tz`."""
    try:
        start = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"the center clock {text!r} is not an ISO 8601 date and time, e.g. 2026-10-01T10:00:00+08:00"
        ) from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=ZoneInfo(tz))
    return start.astimezone(UTC)


def center_now(settings: Settings) -> datetime:
    """Now in UTC, as the center sees it (fixed start plus time elapsed when settings.clock is set)."""
    if not settings.clock:
        return datetime.now(UTC)
    start = parse_clock(settings.clock, settings.timezone)
    now = time.monotonic()
    with _lock:
        first = _started.setdefault(settings.clock, now)
    return start + timedelta(seconds=now - first)
