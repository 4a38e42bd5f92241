"""Business hours on Chinese working days, holidays and adjusted Saturdays; the center's clock."""

from __future__ import annotations

from datetime import UTC, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from hotline.routing import clock
from hotline.routing.hours import Hours, Verdict, check, parse_time
from hotline.settings import Settings

TZ = "Asia/Shanghai"
OFFICE = Hours("workdays", time(8, 30), time(18, 0))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(TZ))


@pytest.mark.parametrize(
    ("when", "verdict"),
    [
        ("2026-11-20T10:00", Verdict(True, "workday, 08:30–18:00")),
        ("2026-02-14T10:00", Verdict(True, "working Saturday (Spring Festival adjustment), 08:30–18:00")),
        ("2026-10-01T10:00", Verdict(False, "public holiday: National Day")),
        ("2026-02-17T10:00", Verdict(False, "public holiday: Spring Festival")),
        ("2026-11-21T10:00", Verdict(False, "weekend")),
        ("2026-11-20T08:29", Verdict(False, "before opening 08:30")),
        ("2026-11-20T08:30", Verdict(True, "workday, 08:30–18:00")),
        ("2026-11-20T17:59", Verdict(True, "workday, 08:30–18:00")),
        ("2026-11-20T18:00", Verdict(False, "after closing 18:00")),
    ],
)
def test_office_hours_follow_the_chinese_working_calendar(when: str, verdict: Verdict) -> None:
    assert check(OFFICE, at(when), TZ) == verdict


def test_a_working_saturday_is_still_closed_after_hours() -> None:
    assert check(OFFICE, at("2026-02-14T19:00"), TZ) == Verdict(False, "after closing 18:00")


def test_the_time_is_seen_in_the_centers_time_zone() -> None:
    utc = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 in Shenzhen
    assert check(OFFICE, utc, TZ).open
    assert not check(OFFICE, utc, "Europe/London").open  # 01:00 in London


def test_daily_hours_open_at_weekends_but_not_on_public_holidays() -> None:
    daily = Hours("daily", time(9, 0), time(21, 0))
    assert check(daily, at("2026-11-21T10:00"), TZ) == Verdict(True, "every day, 09:00–21:00")
    assert check(daily, at("2026-10-01T10:00"), TZ) == Verdict(False, "public holiday: National Day")
    assert check(Hours("daily"), at("2026-11-22T03:00"), TZ) == Verdict(True, "every day")


def test_always_is_open_on_holidays_and_at_night() -> None:
    assert check(Hours(), at("2026-10-01T03:00"), TZ) == Verdict(True, "24/7")
    assert check(Hours("always", time(8, 0), time(20, 0)), at("2026-10-01T21:00"), TZ).open is False


def test_years_without_a_holiday_calendar_fall_back_to_monday_to_friday_and_say_so() -> None:
    note = "(no holiday calendar for 2030, Monday–Friday assumed)"
    assert check(OFFICE, at("2030-03-01T10:00"), TZ) == Verdict(True, f"workday, 08:30–18:00 {note}")
    assert check(OFFICE, at("2030-03-02T10:00"), TZ) == Verdict(False, f"weekend {note}")
    assert check(OFFICE, at("2030-03-01T19:00"), TZ) == Verdict(False, f"after closing 18:00 {note}")


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        check(OFFICE, datetime(2026, 11, 20, 10, 0), TZ)


def test_times_are_hh_mm() -> None:
    assert parse_time("08:30") == time(8, 30)
    assert parse_time(None) is None
    for bad in ("8:30", "0830", "25:00", "ab:cd"):
        with pytest.raises(ValueError):
            parse_time(bad)


def test_hours_describe_themselves() -> None:
    assert OFFICE.describe() == "workdays 08:30–18:00"
    assert Hours().describe() == "always"


def test_the_center_clock_is_the_real_time_by_default() -> None:
    now = clock.center_now(Settings(clock=""))
    assert now.tzinfo is not None
    assert abs((now - datetime.now(UTC)).total_seconds()) < 5


def test_a_fixed_clock_starts_at_its_setting_and_runs_on(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter([100.0, 130.0])
    monkeypatch.setattr(clock, "time", SimpleNamespace(monotonic=lambda: next(ticks)))
    monkeypatch.setattr(clock, "_started", {})
    settings = Settings(clock="2026-10-01T10:00:00", timezone=TZ)
    assert clock.center_now(settings) == datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
    assert clock.center_now(settings) == datetime(2026, 10, 1, 2, 0, 30, tzinfo=UTC)


def test_an_invalid_clock_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="'tomorrow' is not an ISO 8601 date and time"):
        clock.center_now(Settings(clock="tomorrow"))
