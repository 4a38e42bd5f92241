"""Helpers shared by CLI commands: settings in the click context, clear one-line failures."""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click
from pydantic import ValidationError

from hotline.settings import Settings, get_settings

F = TypeVar("F", bound=Callable[..., Any])


class UserError(click.ClickException):
    """A failure the user can fix; printed as one clear sentence, exit status 2."""

    exit_code = 2


def settings_from(ctx: click.Context) -> Settings:
    root = ctx.find_root()
    if root.obj is None:
        try:
            root.obj = get_settings()
        except ValidationError as exc:  # a bad HOTLINE_* value or config entry: say which, no traceback
            error = exc.errors()[0]
            name = ".".join(str(p) for p in error["loc"])
            raise UserError(f"setting {name}: {str(error['msg']).removeprefix('Value error, ')}") from None
    assert isinstance(root.obj, Settings)
    return root.obj


def pass_settings(fn: F) -> F:
    """Decorator: call `fn(settings, ...)` with the process settings."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(settings_from(click.get_current_context()), *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def progress(message: str) -> None:
    """A progress line on stderr, so --json output on stdout stays clean."""
    click.echo(f"==> {message}", err=True)
    sys.stderr.flush()


_AGO = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_time(settings: Settings, text: str, option: str) -> datetime:
    """A time option as an aware datetime: ISO 8601 (naive means the center's time zone) or a span
    back from now (30m, 2h, 1d)."""
    ago = _AGO.match(text.strip())
    if ago:
        span = timedelta(**{_UNITS[ago.group(2)]: int(ago.group(1))})
        return datetime.now(ZoneInfo(settings.timezone)) - span
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(
            f"{option} {text!r} is not a time: give ISO 8601 (2026-10-01T10:00) or a span back (30m, 2h, 1d)"
        ) from None
    return at if at.tzinfo is not None else at.replace(tzinfo=ZoneInfo(settings.timezone))
