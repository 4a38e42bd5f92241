"""Reading the YAML data files people edit (IVR flows, routing): one clear sentence when unreadable."""

from __future__ import annotations

from typing import Any

import yaml


def read_yaml(text: str, source: str, error: type[Exception]) -> Any:
    """The data of YAML `text`; raise `error` naming `source`, the line and column, and the problem."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "unreadable"
        raise error(f"{source} is not valid YAML{where}: {problem}") from None
