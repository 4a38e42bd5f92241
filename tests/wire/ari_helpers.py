"""Helpers shared by the ARI client wire tests."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from ari_app.client import AriClient

APP = "hotline"
FILTER_PATH = f"/ari/applications/{APP}/eventFilter"


def make_client(fake_url: str, events: list[dict[str, Any]], **kwargs: Any) -> AriClient:
    kwargs.setdefault("backoff", (0.05, 0.4))
    return AriClient(fake_url, "hotline", "secret", APP, on_event=events.append, **kwargs)


@asynccontextmanager
async def running(client: AriClient) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(client.run())
    try:
        yield task
    finally:
        await asyncio.wait_for(client.close(), 5)
        await asyncio.wait_for(task, 5)


def ev(n: int, kind: str = "ChannelDtmfReceived") -> dict[str, Any]:
    return {"type": kind, "n": n, "application": APP}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def retry_delays(caplog: pytest.LogCaptureFixture) -> list[float]:
    found = [re.search(r"(?:reconnecting|retrying) in ([\d.]+) s", r.getMessage()) for r in caplog.records]
    return [float(m.group(1)) for m in found if m]
