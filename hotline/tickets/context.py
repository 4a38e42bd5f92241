"""What an action's effect works with: the session, the ticket, the actor, the time, the note and the
fields the caller gave, read through typed accessors that collect every error before anything changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from hotline.db.console_models import User
from hotline.db.service_models import Ticket
from hotline.tickets.errors import ValidationFailed

TEXT_MAX = 4000
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def clean_text(
    value: object, name: str, errors: dict[str, str], *, required: bool, max_len: int
) -> str | None:
    """`value` stripped, None when empty; records in `errors` what is wrong with it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = "is required"
        return None
    if not isinstance(value, str):
        errors[name] = "must be text"
        return None
    text = value.strip()
    if len(text) > max_len:
        errors[name] = f"has {len(text)} characters, at most {max_len} are allowed"
        return None
    return text


@dataclass
class ActionContext:
    """One apply() call: effects read their fields with the typed accessors, then call `validate()`."""

    session: Session
    ticket: Ticket
    action: str
    actor: User | None
    now: datetime
    note: str | None
    fields: dict[str, object]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def actor_id(self) -> int | None:
        """The acting user's id (None for the system)."""
        return None if self.actor is None else self.actor.id

    def _take(self, name: str, required: bool) -> object:
        value = self.fields.pop(name, None)
        if value is None and required:
            self.errors[name] = "is required"
        return value

    def text(self, name: str, *, required: bool = False, max_len: int = TEXT_MAX) -> str | None:
        """A text field, stripped; empty is None."""
        return clean_text(self.fields.pop(name, None), name, self.errors, required=required, max_len=max_len)

    def integer(
        self, name: str, *, required: bool = False, lo: int | None = None, hi: int | None = None
    ) -> int | None:
        """An integer field (an int or a string of digits) within [lo, hi]."""
        value = self._take(name, required)
        if value is None:
            return None
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            self.errors[name] = "must be a whole number"
            return None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.errors[name] = f"must be between {lo} and {hi}"
            return None
        return value

    def boolean(self, name: str, *, required: bool = False) -> bool | None:
        """A yes/no field (a bool, or "true"/"false", "1"/"0", "yes"/"no", "on"/"off")."""
        value = self._take(name, required)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        self.errors[name] = "must be yes or no"
        return None

    def choice(self, name: str, choices: Sequence[str], *, required: bool = False) -> str | None:
        """One of `choices`."""
        value = self._take(name, required)
        if value is None:
            return None
        if value not in choices:
            self.errors[name] = f"must be one of {', '.join(choices)}"
            return None
        return str(value)

    def moment(self, name: str) -> datetime | None:
        """An aware datetime (or ISO 8601 text with its offset)."""
        value = self._take(name, False)
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                self.errors[name] = "must be a date and time (ISO 8601)"
                return None
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            self.errors[name] = "must be a date and time with its time zone"
            return None
        return value

    def require_note(self) -> None:
        """The action needs a note (a reason, a comment)."""
        if not self.note:
            self.errors["note"] = "is required"

    def validate(self) -> None:
        """Raise ValidationFailed for every wrong field and every field the action does not take."""
        for name in self.fields:
            self.errors[name] = f"is not a field of {self.action}"
        if self.errors:
            raise ValidationFailed(self.errors)
