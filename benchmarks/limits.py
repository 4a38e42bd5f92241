"""A load benchmark's limit per path: the highest clean rate with every lower rate tried clean too,
and the rungs that narrow it down between a clean rate and a failed one.

Works on step results that carry `step.flow`, `step.rate` and `extra["attempt"]` (0: a warm-up
step, not a rate) and `extra["clean"]`.
"""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.harness import StepResult


def rate_outcomes(results: Sequence[StepResult], path: str) -> dict[float, bool]:
    """Each rate `path` was tried at: clean when one of its tries was clean."""
    outcomes: dict[float, bool] = {}
    for r in results:
        if r.step.flow == path and r.extra["attempt"] != 0:
            outcomes[r.step.rate] = outcomes.get(r.step.rate, False) or bool(r.extra["clean"])
    return outcomes


def first_failed(results: Sequence[StepResult], path: str) -> float | None:
    """The lowest rate at which every try of `path` failed."""
    failed = [rate for rate, clean in rate_outcomes(results, path).items() if not clean]
    return min(failed) if failed else None


def limit_rate(results: Sequence[StepResult], path: str) -> float | None:
    """The highest clean rate of `path` below its lowest failed rate (every rate under it tried was
    clean too)."""
    ceiling = first_failed(results, path)
    clean = [
        rate
        for rate, ok in rate_outcomes(results, path).items()
        if ok and (ceiling is None or rate < ceiling)
    ]
    return max(clean) if clean else None


def next_rung(results: Sequence[StepResult], path: str, refine: float) -> float | None:
    """The next rate to try between `path`'s limit and its lowest failed rate (None: found to within
    `refine`, no failure yet, or no clean rate to refine from)."""
    ceiling, floor = first_failed(results, path), limit_rate(results, path)
    if refine <= 0 or ceiling is None or floor is None:
        return None
    rung = floor + refine
    return rung if rung < ceiling - 1e-9 else None
