"""Helpers shared by CLI commands: settings in the click context, clear one-line failures."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from hotline.settings import Settings, get_settings

F = TypeVar("F", bound=Callable[..., Any])


class UserError(click.ClickException):
    """A failure the user can fix; printed as one clear sentence, exit status 2."""

    exit_code = 2


def settings_from(ctx: click.Context) -> Settings:
    root = ctx.find_root()
    if root.obj is None:
        root.obj = get_settings()
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
