"""benchmarks.limits: how a path's limit rate is found from its steps, and where the refining rungs go."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from benchmarks.limits import first_failed, limit_rate, next_rung


def steps(path: str, *outcomes: tuple[float, bool]) -> list[Any]:
    """Fake step results of `path`: (rate, clean) per try, in the order they ran."""
    out, tries = [], {}
    for rate, clean in outcomes:
        tries[rate] = tries.get(rate, 0) + 1
        out.append(SimpleNamespace(step=SimpleNamespace(flow=path, rate=rate),
                                   extra={"attempt": tries[rate], "clean": clean}))  # fmt: skip
    return out


def test_a_rate_fails_only_when_every_try_failed() -> None:
    results = steps("ari", (100, True), (120, False), (120, True), (140, False), (140, False))
    assert first_failed(results, "ari") == 140
    assert limit_rate(results, "ari") == 120


def test_the_paths_are_apart() -> None:
    results = steps("ari", (100, True), (120, False), (120, False)) + steps(
        "dialplan", (100, True), (120, True)
    )
    assert limit_rate(results, "ari") == 100
    assert limit_rate(results, "dialplan") == 120
    assert first_failed(results, "dialplan") is None


def test_a_clean_rate_above_a_failed_one_does_not_count() -> None:
    results = steps("ari", (100, True), (110, False), (110, False), (120, True))
    assert limit_rate(results, "ari") == 100


def test_warm_up_steps_are_not_rates() -> None:
    results = steps("ari", (100, True))
    results.append(
        SimpleNamespace(step=SimpleNamespace(flow="ari", rate=2), extra={"attempt": 0, "clean": False})
    )
    assert first_failed(results, "ari") is None


def test_rungs_climb_from_the_limit_until_within_refine_of_the_failure() -> None:
    results = steps("ari", (140, True), (160, False), (160, False))
    assert next_rung(results, "ari", 5) == 145
    results += steps("ari", (145, True))
    assert next_rung(results, "ari", 5) == 150
    results += steps("ari", (150, False), (150, False))
    assert next_rung(results, "ari", 5) is None  # 145 clean, 150 failed: found to within 5
    assert limit_rate(results, "ari") == 145


def test_no_rung_without_a_failure_a_clean_rate_or_a_step() -> None:
    assert next_rung(steps("ari", (100, True), (120, True)), "ari", 10) is None
    assert next_rung(steps("ari", (100, False), (100, False)), "ari", 10) is None
    assert next_rung(steps("ari", (100, True), (120, False), (120, False)), "ari", 0) is None
    assert next_rung(steps("ari", (100, True), (110, False), (110, False)), "ari", 10) is None
