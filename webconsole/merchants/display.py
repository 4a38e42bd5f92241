"""How merchants, counties and categories read on a page, in the request's language: names, contract
statuses, and credit levels drawn as hearts and diamonds with a text label for screen readers. Used by
the merchants, public and web-order pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db.models import County, ServiceCategory
from hotline.tickets import credit_level
from webconsole.i18n import N_, _, current_language

CONTRACT_STATUSES = ("active", "suspended", "ended")
_CONTRACT_LABELS = {
    "active": N_("Contract active"),
    "suspended": N_("Suspended"),
    "ended": N_("Contract ended"),
}


@dataclass(frozen=True)
class LevelView:
    """A credit level as shown: `symbols` (♥♥♥, ◆◆) is decoration, `label` says it in words."""

    kind: str
    count: int
    symbols: str
    label: str
    points: int


def level_view(points: int) -> LevelView:
    """The level of `points`, labelled in the request's language."""
    level = credit_level(points)
    return LevelView(level.kind, level.count, level.symbols, level.label(current_language()), points)


def contract_label(status: str) -> str:
    """A contract status in words."""
    message = _CONTRACT_LABELS.get(status)
    return _(message) if message else status


def contract_choices() -> list[tuple[str, str]]:
    """(status, label) of every contract status."""
    return [(status, contract_label(status)) for status in CONTRACT_STATUSES]


def name_in(row: County | ServiceCategory | None, lang: str) -> str:
    """A county's or category's name in `lang` ("zh" or "en"); "" for none."""
    if row is None:
        return ""
    return row.name_en if lang == "en" else row.name_zh


def local_name(row: County | ServiceCategory | None) -> str:
    """A county's or category's name in the request's language; "" for none."""
    return name_in(row, current_language())


def category_tree(session: Session) -> list[tuple[ServiceCategory, int]]:
    """Every service category with its depth, each under its parent (siblings by code)."""
    rows = list(session.scalars(select(ServiceCategory).order_by(ServiceCategory.code)))
    children: dict[int | None, list[ServiceCategory]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    known = {row.id for row in rows}
    roots = [row for row in rows if row.parent_id is None or row.parent_id not in known]
    tree: list[tuple[ServiceCategory, int]] = []
    stack = [(row, 0) for row in reversed(roots)]
    while stack:
        row, depth = stack.pop()
        tree.append((row, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(row.id, [])))
    return tree


@dataclass(frozen=True)
class Option:
    """One entry of a county or category list: its id, code and name (indented under its parent)."""

    id: int
    code: str
    label: str


def county_options(session: Session) -> list[Option]:
    """Every county, by code."""
    rows = session.scalars(select(County).order_by(County.code))
    return [Option(c.id, c.code, local_name(c)) for c in rows]


def category_options(session: Session) -> list[Option]:
    """Every service category, each under its parent (depth shown by a leading dash)."""
    return [Option(row.id, row.code, "— " * depth + local_name(row)) for row, depth in category_tree(session)]


def category_names(session: Session) -> dict[str, str]:
    """code -> name of every category (web orders and tickets carry a code)."""
    return {row.code: local_name(row) for row in session.scalars(select(ServiceCategory))}
