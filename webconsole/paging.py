"""Pages of a list: the page number asked for, and the links to the pages around it (the list's other
query arguments kept). Shared by every paged list of the console."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request, url_for

MAX_PAGE = 10_000  # deeper than anybody pages; keeps OFFSET bounded


@dataclass(frozen=True)
class Pager:
    """Where a list page sits: its number and the links before and after it (None at either end)."""

    page: int
    prev_url: str | None
    next_url: str | None


def number_arg(name: str) -> int | None:
    """The query argument `name` as a whole number (a filter's id), None when missing or not one."""
    text = request.args.get(name, "")
    return int(text) if text.isdigit() else None


def page_number(raw: str | None = None) -> int:
    """The ?page= of the request (or `raw`) as a page number, 1 when missing or wrong."""
    text = request.args.get("page", "") if raw is None else raw
    return min(int(text), MAX_PAGE) if text.isdigit() and int(text) > 0 else 1


def page_url(page: int) -> str:
    """This request's list at `page`, its other non-empty query arguments kept."""
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page" and v}
    if page > 1:
        args["page"] = page
    assert request.endpoint is not None
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def pager(page: int, has_next: bool) -> Pager:
    """The pager of this request's list at `page`."""
    return Pager(page, page_url(page - 1) if page > 1 else None, page_url(page + 1) if has_next else None)
