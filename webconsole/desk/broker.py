"""Wakes the desk streams of the agents that have new desk events (ari_app posts who; the streams
read what from the database). One per console process: waitress runs the streams in its threads."""

from __future__ import annotations

import threading
from collections.abc import Iterable


class DeskBroker:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._seq = 0
        self._woken: dict[int, int] = {}  # agent id -> the wake that last concerned it

    def wake(self, agent_ids: Iterable[int]) -> None:
        """New desk events for these agents."""
        with self._cond:
            self._seq += 1
            for agent_id in agent_ids:
                self._woken[agent_id] = self._seq
            self._cond.notify_all()

    def mark(self, agent_id: int) -> int:
        """Where a stream starts: only wakes after this count."""
        with self._cond:
            return self._woken.get(agent_id, 0)

    def wait(self, agent_id: int, seen: int, timeout: float) -> int:
        """Block until a wake for `agent_id` newer than `seen`, or `timeout` seconds; the newest mark."""
        with self._cond:
            self._cond.wait_for(lambda: self._woken.get(agent_id, 0) > seen, timeout)
            return self._woken.get(agent_id, 0)
