"""The SIPp scenario library: Jinja2 templates in scenarios/, listed with their descriptions and rendered.

Each template opens with a Jinja comment of `key: value` lines (`description`, `role`); names starting
with "_" hold shared macros and are not scenarios. A template outside the package (an integration
test's own scenario) can be rendered too, and may import the packaged macros.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

SCENARIO_DIR = Path(__file__).parent / "scenarios"
SUFFIX = ".xml.jinja"
_HEADER = re.compile(r"\A\s*\{#-?(.*?)-?#\}", re.DOTALL)


class ScenarioNotFound(LookupError):
    """No scenario of that name in the library."""


@dataclass(frozen=True)
class ScenarioInfo:
    """One scenario of the library, as `hotline sipp list` shows it."""

    name: str
    description: str
    role: str
    path: Path


def _environment(extra_dirs: tuple[Path, ...] = ()) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([*map(str, extra_dirs), str(SCENARIO_DIR)]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # SIP text goes into CDATA; callers validate what they put in
    )


def header_fields(source: str) -> dict[str, str]:
    """The `key: value` lines of a template's leading Jinja comment."""
    match = _HEADER.match(source)
    fields: dict[str, str] = {}
    if match:
        for line in match.group(1).splitlines():
            key, sep, value = line.strip().partition(":")
            if sep and key.strip().isidentifier():
                fields[key.strip()] = value.strip()
    return fields


def _info(path: Path) -> ScenarioInfo:
    source = path.read_text(encoding="utf-8")
    fields = header_fields(source)
    return ScenarioInfo(
        name=path.name.removesuffix(SUFFIX),
        description=fields.get("description", ""),
        role=fields.get("role", "caller"),
        path=path,
    )


def list_scenarios() -> list[ScenarioInfo]:
    """Every scenario in the library, sorted by name."""
    paths = sorted(p for p in SCENARIO_DIR.glob(f"*{SUFFIX}") if not p.name.startswith("_"))
    return [_info(p) for p in paths]


def scenario(name: str) -> ScenarioInfo:
    """The library scenario called `name`; raises ScenarioNotFound listing the known names."""
    path = SCENARIO_DIR / f"{name}{SUFFIX}"
    if name.startswith("_") or "/" in name or not path.is_file():
        known = ", ".join(s.name for s in list_scenarios())
        raise ScenarioNotFound(f"no SIPp scenario {name!r} (known: {known})")
    return _info(path)


def render(name_or_path: str | Path, context: Mapping[str, Any]) -> str:
    """Render a library scenario (by name) or a template file (by Path) to SIPp XML.

    Every variable the template uses must be in `context` (StrictUndefined).
    """
    if isinstance(name_or_path, Path):
        env = _environment((name_or_path.parent,))
        template = env.get_template(name_or_path.name)
    else:
        scenario(name_or_path)
        template = _environment().get_template(f"{name_or_path}{SUFFIX}")
    # The header comment and imports leave blank lines; the XML declaration must come first.
    return template.render(**context).lstrip()
