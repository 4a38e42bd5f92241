"""A private center for integration tests: its own state directory, ports, database and Asterisk."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotline.asterisk.runtime import AsteriskRuntime
from hotline.db.session import Database
from hotline.services.calls import list_calls
from hotline.settings import Settings
from hotline.sipp.runner import AgentPhone
from hotline.supervisor import Service, until

REPO = Path(__file__).resolve().parents[2]


def center_env(home: Path, base: int) -> dict[str, str]:
    """Environment of a private center: ports `base`+offset, all on loopback."""
    return {
        "HOTLINE_HOME": str(home),
        "HOTLINE_CACHE_DIR": os.environ.get("HOTLINE_CACHE_DIR", str(REPO / "var" / "cache")),
        "HOTLINE_SIP_PORT": str(base + 60),
        "HOTLINE_HTTP_PORT": str(base + 88),
        "HOTLINE_AMI_PORT": str(base + 38),
        "HOTLINE_AGI_PORT": str(base + 73),
        "HOTLINE_CONSOLE_PORT": str(base + 50),
        "HOTLINE_RTP_START": str(40000 + (base // 1000 % 10) * 2000),
        "HOTLINE_RTP_END": str(40000 + (base // 1000 % 10) * 2000 + 1999),
        "HOTLINE_LOG_LEVEL": "INFO",
    }


def settings_from_env(env: dict[str, str]) -> Settings:
    """Settings of a private center, without touching this process's environment."""
    fields = {k.removeprefix("HOTLINE_").lower(): v for k, v in env.items() if k != "HOTLINE_LOG_LEVEL"}
    return Settings(**fields)  # type: ignore[arg-type]


@dataclass
class Center:
    settings: Settings
    runtime: AsteriskRuntime
    database: Database
    env: dict[str, str]
    services: dict[str, Service] = field(default_factory=dict)

    def hotline(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run the `hotline` command line as a user would (same environment)."""
        return subprocess.run(
            [sys.executable, "-m", "hotline", *args],
            capture_output=True, text=True, timeout=timeout, env={**os.environ, **self.env},
        )

    def cli(self, command: str) -> str:
        return self.runtime.cli(command)

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

    def prompt_seconds(self, name: str = "welcome") -> float:
        """How long a prompt plays: callers must hold at least this long to reach an agent."""
        wav = self.settings.sounds_dir / self.settings.language / "hotline" / f"{name}.wav"
        out = subprocess.run(["sox", "--i", "-D", str(wav)], capture_output=True, text=True, check=True)
        return float(out.stdout)

    def ari_status(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.settings.run_dir / "ari_app.json").read_text())
        return data

    @contextmanager
    def agent(self, name: str = "8001") -> Iterator[AgentPhone]:
        """Agent NAME logged in to its queues with a SIPp phone answering (RTP echo)."""
        done = self.hotline("agent", "login", name)
        assert done.returncode == 0, done.stderr
        phone = AgentPhone(self.settings, f"agent{name}")
        phone.start()
        try:
            yield phone
        finally:
            phone.stop()
            self.hotline("agent", "logout", name)
