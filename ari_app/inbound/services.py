"""Inbound call logic that needs no ARI: which queue a call goes to."""

from __future__ import annotations

from hotline.settings import Settings


def choose_queue(settings: Settings, caller: str | None, dialed: str | None) -> str:
    """The queue for a new call; county routing (属地化) refines this in the routing feature."""
    return settings.default_queue
