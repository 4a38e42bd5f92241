"""ARI URLs and query parameters, as Asterisk reads them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit


def quote_id(value: str) -> str:
    """Percent-encode one path segment: ids and names may contain '/' (`hotline/welcome`)."""
    return quote(value, safe="")


def ari_root(base_url: str) -> str:
    """`http://host:port` or `http://host:port/ari` -> `http://host:port/ari`."""
    root = base_url.rstrip("/")
    return root if root.endswith("/ari") else root + "/ari"


def events_url(root: str, app: str, api_key: str | None = None) -> str:
    """The event WebSocket URL of one app, without events of objects the app does not own."""
    parts = urlsplit(root)
    query = {"app": app, "subscribeAll": "false"}
    if api_key is not None:
        query["api_key"] = api_key
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path + "/events", urlencode(query), ""))


def query_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Query parameters as ARI reads them: no None, booleans in lower case, lists comma-joined."""
    out: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list | tuple):
            out[key] = ",".join(str(v) for v in value)
        else:
            out[key] = str(value)
    return out


def ids_param(value: str | Sequence[str]) -> str:
    """One id, or several comma-joined, as ARI takes them in one parameter."""
    return value if isinstance(value, str) else ",".join(value)
