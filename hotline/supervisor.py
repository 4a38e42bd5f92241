"""Child processes of the center (ari_app, agi, console): start, readiness, restart, stop."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hotline.settings import Settings

logger = logging.getLogger(__name__)


def until(condition: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll `condition` until it is true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return True
        except Exception:  # a probe that errors is just "not yet"
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def tcp_open(host: str, port: int) -> Callable[[], bool]:
    def probe() -> bool:
        with socket.create_connection((host, port), timeout=0.5):
            return True

    return probe


def http_ok(url: str) -> Callable[[], bool]:
    def probe() -> bool:
        with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 (loopback URL from settings)
            return bool(resp.status == 200)

    return probe


def ari_app_connected(status_file: Path, proc: Callable[[], int | None]) -> Callable[[], bool]:
    def probe() -> bool:
        data = json.loads(status_file.read_text())
        return bool(data.get("connected")) and data.get("pid") == proc()

    return probe


@dataclass
class Service:
    """One child process, logging to its own file in the state directory."""

    name: str
    argv: list[str]
    log_path: Path
    ready: Callable[[], bool]
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self, timeout: float = 30.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **self.env},
            start_new_session=True,
        )
        log.close()
        if not until(lambda: self.proc is not None and self.proc.poll() is None and self.ready(), timeout):
            code = self.proc.poll()
            self.stop()
            tail = self.log_path.read_text(errors="replace")[-1500:]
            state = f"exited with {code}" if code is not None else f"not ready after {timeout:.0f} s"
            raise RuntimeError(f"{self.name} {state}; end of {self.log_path}:\n{tail}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in %.0f s; killing it", self.name, timeout)
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


def python_module(module: str) -> list[str]:
    return [sys.executable, "-m", module]


def center_services(settings: Settings) -> list[Service]:
    """agi, ari_app and the console, in start order."""
    logs = settings.log_dir
    agi = Service(
        "agi", python_module("agi"), logs / "agi.log", tcp_open(settings.bind_host, settings.agi_port)
    )
    ari = Service("ari_app", python_module("ari_app"), logs / "ari_app.log", lambda: False)
    ari.ready = ari_app_connected(settings.run_dir / "ari_app.json", ari.pid)
    console = Service(
        "console",
        python_module("webconsole"),
        logs / "console.log",
        http_ok(f"{settings.console_url}healthz"),
    )
    return [agi, ari, console]
