"""Filtering of caller-controlled numbers before they reach the database, the dialplan or a file name."""

from __future__ import annotations

import re

_ALLOWED = re.compile(r"[^0-9+*#]")
MAX_LEN = 24
ANONYMOUS = "anonymous"


def clean_number(raw: str | None) -> str:
    """Keep digits, `+`, `*` and `#` (at most 24); anything else, or nothing, becomes 'anonymous'."""
    if not raw:
        return ANONYMOUS
    cleaned = _ALLOWED.sub("", raw)[:MAX_LEN]
    return cleaned or ANONYMOUS


def is_safe_token(value: str) -> bool:
    """True for values safe in a file name or dialplan argument: letters, digits, dash, underscore."""
    return bool(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value))
