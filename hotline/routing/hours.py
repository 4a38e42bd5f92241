"""Business hours of a county: which days (Chinese working days, every day but holidays, always) and times.

Working days come from `chinese_calendar`, so an adjusted working Saturday is open and a public
holiday is closed. The calendar covers 2004-2026 only: for other years the check falls back to
Monday-Friday with no holidays and says so in the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar

Days = Literal["always", "workdays", "daily"]
DAYS: tuple[Days, ...] = ("always", "workdays", "daily")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Hours:
    """Open on `days` from `open` to `close` (local time); None for either means the day's edge."""

    days: Days = "always"
    open: time | None = None
    close: time | None = None

    def describe(self) -> str:
        """e.g. "workdays 08:30–18:00" or "always"."""
        if self.open is None and self.close is None:
            return self.days
        return f"{self.days} {_span(self)}"


@dataclass(frozen=True)
class Verdict:
    """Whether the county is open, and one short English phrase saying why."""

    open: bool
    reason: str


def parse_time(text: str | None) -> time | None:
    """ "08:30" → time(8, 30); None or "" → None; anything else raises ValueError."""
    if not text:
        return None
    hour, sep, minute = text.partition(":")
    if not (sep and len(hour) == 2 and len(minute) == 2 and hour.isdigit() and minute.isdigit()):
        raise ValueError(f"{text!r} is not a time of day as HH:MM")
    return time(int(hour), int(minute))


def _hhmm(value: time | None, default: str) -> str:
    return value.strftime("%H:%M") if value is not None else default


def _span(hours: Hours) -> str:
    return f"{_hhmm(hours.open, '00:00')}–{_hhmm(hours.close, '24:00')}"


@lru_cache(maxsize=512)
def _day(hours: Hours, day: date) -> tuple[bool, str, str]:
    """Whether `day` is one of the open days, the day's description, and a note on the calendar used.
    Remembered per county's hours and date: every live call asks, and the answer only changes with
    the date (the calendar is data shipped with chinese_calendar)."""
    if hours.days == "always":
        return True, "every day", ""
    try:
        workday = chinese_calendar.is_workday(day)
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        note = f"no holiday calendar for {day.year}, Monday–Friday assumed"
        if hours.days == "daily" or day.weekday() < 5:
            return True, "every day" if hours.days == "daily" else "workday", note
        return False, "weekend", note
    if is_holiday and name:
        return False, f"public holiday: {name}", ""
    if hours.days == "daily":
        return True, "every day", ""
    if not workday:
        return False, "weekend", ""
    if day.weekday() >= 5:
        adjustment = f" ({name} adjustment)" if name else ""
        return True, f"working {_WEEKDAY_NAMES[day.weekday()]}{adjustment}", ""
    return True, "workday", ""


def _times(hours: Hours, now: time, day: str) -> Verdict:
    """Within an open day: whether `now` is between opening and closing."""
    if hours.open is not None and now < hours.open:
        return Verdict(False, f"before opening {_hhmm(hours.open, '')}")
    if hours.close is not None and now >= hours.close:
        return Verdict(False, f"after closing {_hhmm(hours.close, '')}")
    if hours.open is None and hours.close is None:
        return Verdict(True, "24/7" if hours.days == "always" else day)
    return Verdict(True, f"{day}, {_span(hours)}")


def check(hours: Hours, at: datetime, tz: str) -> Verdict:
    """Whether `hours` are open at the aware time `at`, seen in the time zone `tz`."""
    if at.tzinfo is None:
        raise ValueError("check() needs an aware datetime")
    local = at.astimezone(ZoneInfo(tz))
    day_open, day, note = _day(hours, local.date())
    verdict = _times(hours, local.time().replace(tzinfo=None), day) if day_open else Verdict(False, day)
    return Verdict(verdict.open, f"{verdict.reason} ({note})") if note else verdict
