"""Logging of the center's long-running processes (each writes to stderr; `hotline up` files it)."""

from __future__ import annotations

import logging
import os


def configure(default_level: str = "INFO") -> None:
    """Level from HOTLINE_LOG_LEVEL; HTTP client chatter stays at WARNING."""
    logging.basicConfig(
        level=os.environ.get("HOTLINE_LOG_LEVEL", default_level).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
