"""ARI REST failures as exceptions: one class per status a caller branches on."""

from __future__ import annotations

import json


class AriError(Exception):
    """An ARI request failed; `status` is the HTTP status, None when no reply came."""

    def __init__(self, status: int | None, message: str, method: str, path: str) -> None:
        super().__init__(f"{method} {path}: {status if status is not None else 'no reply'} {message}")
        self.status = status
        self.message = message
        self.method = method
        self.path = path


class AriBadRequest(AriError):
    """400 or 422: a parameter was missing or invalid (a bug on our side, or a bad media URI)."""


class AriNotFound(AriError):
    """404: the channel, bridge, playback or recording does not exist (any more)."""


class AriConflict(AriError):
    """409: the object is in the wrong state, e.g. the channel is not in our Stasis app."""


class AriUnavailable(AriError):
    """Asterisk could not be reached or did not answer within the timeout."""

    def __init__(self, message: str, method: str, path: str) -> None:
        super().__init__(None, message, method, path)


_BY_STATUS: dict[int, type[AriError]] = {
    400: AriBadRequest,
    404: AriNotFound,
    409: AriConflict,
    422: AriBadRequest,
}


def error_message(body: bytes) -> str:
    """The `message` of an ARI error body, or the start of the raw text."""
    text = body.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except ValueError:
        return text[:200]
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return data["message"]
    return text[:200]


def error_for_status(status: int, body: bytes, method: str, path: str) -> AriError:
    """The exception matching an HTTP error status."""
    cls = _BY_STATUS.get(status, AriError)
    return cls(status, error_message(body), method, path)
