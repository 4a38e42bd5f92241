"""Failed logins per (username, address), in memory: after `limit` failures within `window_s`
seconds, that pair is refused until the oldest failure ages out. One process serves the console."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_KEYS = 10_000  # beyond this, pairs with no recent failure are forgotten first


class AttemptLimiter:
    """A sliding window of failure times per key."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, key: tuple[str, str]) -> float:
        """Seconds until `key` may try again; 0 when it may now."""
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            if len(times) < self.limit:
                return 0.0
            return times[-self.limit] + self.window_s - now

    def failed(self, key: tuple[str, str]) -> bool:
        """Count a failure; True when `key` is now blocked."""
        with self._lock:
            now = self.clock()
            if key not in self._failures and len(self._failures) >= MAX_KEYS:
                self._forget_idle(now)
            times = self._recent(key, now)
            times.append(now)
            self._failures[key] = times
            return len(times) >= self.limit

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _forget_idle(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        if len(self._failures) >= MAX_KEYS:  # all recent: drop the pairs with the oldest last failure
            by_last = sorted(self._failures, key=lambda k: self._failures[k][-1])
            for key in by_last[: len(by_last) // 2]:
                del self._failures[key]
