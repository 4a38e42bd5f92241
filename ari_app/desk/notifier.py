"""Wakes the console's desk streams when desk events are stored: one UDP datagram to the console's
wake port naming the agents. A wake carries no data (the streams read the database), so a lost or
forged one costs at most a query; the streams also poll every second."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Sequence

from hotline.settings import Settings

logger = logging.getLogger(__name__)


class ConsoleNotifier:
    def __init__(self, settings: Settings) -> None:
        self.address = (settings.bind_host, settings.console_wake_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setblocking(False)

    async def wake(self, agent_ids: Sequence[int]) -> None:
        """Tell the console which agents have new desk events; never raises."""
        try:
            self.sock.sendto(json.dumps(sorted(set(agent_ids))).encode(), self.address)
        except OSError as exc:
            logger.debug("desk: console not woken (%s); it will poll", exc)

    async def close(self) -> None:
        self.sock.close()
