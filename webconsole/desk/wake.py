"""The console's end of ari_app's desk wakes: a UDP listener thread that passes the agent ids of each
datagram to the broker. Started by the server (python -m webconsole), not by create_app."""

from __future__ import annotations

import json
import logging
import socket
import threading

from webconsole.desk.broker import DeskBroker

logger = logging.getLogger(__name__)


def parse(datagram: bytes) -> list[int]:
    """`[1, 2]` -> [1, 2]; anything else -> [] (a wake is only a hint)."""
    try:
        ids = json.loads(datagram)
    except ValueError:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def start_listener(broker: DeskBroker, host: str, port: int) -> threading.Thread | None:
    """Listen for wakes on host:port in a daemon thread; None (streams poll) if the port is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((host, port))
    except OSError as exc:
        logger.warning(
            "desk: cannot listen for wakes on %s:%d (%s); desks poll every second", host, port, exc
        )
        sock.close()
        return None

    def run() -> None:
        while True:
            data = sock.recv(65536)
            ids = parse(data)
            if ids:
                broker.wake(ids)

    thread = threading.Thread(target=run, name="desk-wake", daemon=True)
    thread.start()
    return thread
