"""How the ticket pages show things: labels in the user's language (hotline.tickets.labels), times in
the center's time zone, money in yuan, overdue flags. Shared by the tickets, dispatch and visits pages
through their blueprints' template context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hotline.db.models import County, ServiceCategory
from hotline.tickets import labels, workflow
from hotline.tickets.merchants import Level
from hotline.tickets.timing import URGENCIES, now_utc
from webconsole import console
from webconsole.i18n import current_language
from webconsole.merchants.display import name_in
from webconsole.paging import page_url

URGENCY_RANK = {urgency: rank for rank, urgency in enumerate(reversed(URGENCIES))}  # critical first


@dataclass(frozen=True)
class Labels:
    """Every ticket label in one language ("zh" or "en")."""

    lang: str

    def type(self, code: str) -> str:
        """A ticket type."""
        return labels.pick(labels.TYPE_LABELS, code, self.lang)

    def status(self, code: str | None, ticket_type: str | None = None) -> str:
        """A ticket status (as the type means it)."""
        return "" if code is None else labels.status_label(code, self.lang, ticket_type)

    def action(self, code: str) -> str:
        """A ticket action, as its button says it."""
        return labels.action_label(code, self.lang)

    def urgency(self, code: str) -> str:
        """An urgency."""
        return labels.pick(labels.URGENCY_LABELS, code, self.lang)

    def source(self, code: str) -> str:
        """Where a ticket came from (phone, web, API)."""
        return labels.pick(labels.SOURCE_LABELS, code, self.lang)

    def visit_kind(self, code: str) -> str:
        """A return visit's kind."""
        return labels.pick(labels.VISIT_KIND_LABELS, code, self.lang)

    def outcome(self, code: str | None) -> str:
        """A return visit's outcome."""
        return "" if code is None else labels.pick(labels.VISIT_OUTCOME_LABELS, code, self.lang)

    def dispatch_status(self, code: str) -> str:
        """A dispatch's status."""
        return labels.pick(labels.DISPATCH_STATUS_LABELS, code, self.lang)

    def role(self, code: str) -> str:
        """A user role."""
        return labels.pick(labels.ROLE_LABELS, code, self.lang)

    def level(self, level: Level) -> str:
        """A merchant's credit level, drawn and named: ◆◆ 2 钻石."""
        return f"{level.symbols} {level.label(self.lang)}".strip()

    def county(self, county: County | None) -> str:
        """A county's name."""
        return name_in(county, self.lang)

    def category(self, category: ServiceCategory | None, code: str | None = None) -> str:
        """A service category's name (its code when it is not known)."""
        return (code or "") if category is None else name_in(category, self.lang)


def current_labels() -> Labels:
    """The labels of the request's language."""
    return Labels(current_language())


def zone() -> ZoneInfo:
    """The center's time zone."""
    return console().timezone


def local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant as the center's local time (empty for None)."""
    return value.astimezone(zone()).strftime(fmt) if value is not None else ""


def iso(value: datetime | None) -> str:
    """An instant in ISO 8601 with its offset, for <time datetime=...>."""
    return value.isoformat() if value is not None else ""


def yuan(cents: int | None) -> str:
    """An amount of money in yuan: ¥120.50 (empty for None)."""
    return "" if cents is None else f"¥{cents / 100:,.2f}"


def ticket_overdue(status: str, due: datetime | None, now: datetime | None = None) -> bool:
    """An open ticket past its due date."""
    return status not in workflow.TERMINAL and due is not None and due < now_utc(now)


def template_helpers() -> dict[str, Any]:
    """What the ticket, dispatch and visits templates use (a blueprint context processor)."""
    return {
        "L": current_labels(),
        "local": local,
        "iso": iso,
        "yuan": yuan,
        "ticket_overdue": ticket_overdue,
        "timezone_name": console().settings.timezone,
        "page_url": page_url,
    }
