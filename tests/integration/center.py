"""A private center for integration tests (provisioned by hotline.testcenter), with asserting helpers."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hotline.services.calls import list_calls
from hotline.sipp.runner import AgentPhone
from hotline.supervisor import until
from hotline.testcenter import PrivateCenter, center_env, settings_from_env

REPO = Path(__file__).resolve().parents[2]

__all__ = ["REPO", "Center", "center_env", "settings_from_env"]


class Center(PrivateCenter):
    """The integration tests' private center, with helpers that assert."""

    def active_channels(self) -> int:
        out = self.cli("core show channels count")
        match = re.search(r"(\d+) active channels?", out)
        assert match, out
        return int(match.group(1))

    def channels_in(self, application: str) -> list[str]:
        """Channels whose current dialplan application is `application` (e.g. Stasis, Queue)."""
        rows = [line.split("!") for line in self.cli("core show channels concise").splitlines()]
        return [row[0] for row in rows if len(row) > 5 and row[5] == application]

    def calls(self) -> list[dict[str, Any]]:
        with self.database.session() as session:
            return list_calls(session, limit=200)

    def wait_call(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 20) -> dict[str, Any]:
        found: list[dict[str, Any]] = []

        def probe() -> bool:
            found[:] = [c for c in self.calls() if predicate(c)]
            return bool(found)

        assert until(probe, timeout, 0.2), f"no such call within {timeout} s; calls: {self.calls()[:3]}"
        return found[0]

    def prompt_seconds(self, name: str = "welcome_language") -> float:
        """How long a prompt plays: callers must hold at least this long to reach an agent."""
        wav = self.settings.sounds_dir / self.settings.language / "hotline" / f"{name}.wav"
        out = subprocess.run(["sox", "--i", "-D", str(wav)], capture_output=True, text=True, check=True)
        return float(out.stdout)

    def ari_status(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.settings.run_dir / "ari_app.json").read_text())
        return data

    @contextmanager
    def agent(self, name: str = "8001", **phone_options: Any) -> Iterator[AgentPhone]:
        """Agent NAME logged in to its queues with a SIPp phone answering (RTP echo); phone_options
        go to AgentPhone (ring_ms, talk_ms)."""
        done = self.hotline("agent", "login", name)
        assert done.returncode == 0, done.stderr
        phone = AgentPhone(self.settings, f"agent{name}", **phone_options)
        phone.start()
        try:
            yield phone
        finally:
            phone.stop()
            self.hotline("agent", "logout", name)
