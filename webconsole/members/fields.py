"""Reading a posted form: each field cleaned, every wrong one given a message in the user's language,
and the raw values kept so the form is shown again as it was typed. Shared by the members, merchants,
web-order and public forms (the ticket core checks the values again; this is what the user reads)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from werkzeug.datastructures import MultiDict

from hotline.routing.numbers import normalise
from hotline.tickets.members import MEMBER_KINDS
from webconsole.i18n import _


class FormReader:
    """The fields of one posted form; `errors` maps a field to what is wrong with it."""

    def __init__(self, form: MultiDict[str, str]) -> None:
        self.form = form
        self.values: dict[str, str] = {}
        self.errors: dict[str, str] = {}

    def _raw(self, name: str) -> str:
        value = self.form.get(name, "")
        self.values[name] = value
        return value.strip()

    def text(self, name: str, *, max_len: int, required: bool = False, min_len: int = 0) -> str | None:
        """A text field, stripped; None when empty."""
        text = self._raw(name)
        if not text:
            if required:
                self.errors[name] = _("Please fill this in")
            return None
        if len(text) > max_len:
            self.errors[name] = _("At most %(max)d characters, please", max=max_len)
            return None
        if len(text) < min_len:
            self.errors[name] = _("Please say a little more: at least %(min)d characters", min=min_len)
            return None
        return text

    def phone(self, name: str, *, member: bool = True, required: bool = True) -> str | None:
        """A phone number in its national form; a member's must be one we can call back."""
        text = self._raw(name)
        if not text:
            if required:
                self.errors[name] = _("Please give a phone number")
            return None
        number = normalise(text)
        if number.national is None or (member and number.kind not in MEMBER_KINDS):
            self.errors[name] = _(
                "This is not a phone number we can call back: give a mobile number, or a fixed line "
                "with its area code"
            )
            return None
        return number.national

    def choice(self, name: str, options: Mapping[str, int], *, required: bool = False) -> int | None:
        """The id of the option whose key was chosen (a county or a category code)."""
        key = self._raw(name)
        if not key:
            if required:
                self.errors[name] = _("Please choose one")
            return None
        if key not in options:
            self.errors[name] = _("Please choose one of the list")
            return None
        return options[key]

    def choices(self, name: str, options: Mapping[str, int]) -> list[int]:
        """The ids of every option ticked (unknown keys are an error)."""
        keys = self.form.getlist(name)
        self.values[name] = ",".join(keys)
        if any(key not in options for key in keys):
            self.errors[name] = _("Please choose one of the list")
        return sorted({options[key] for key in keys if key in options})

    def keyword(self, name: str, allowed: tuple[str, ...], *, required: bool = True) -> str | None:
        """One of a few fixed words (a status)."""
        word = self._raw(name)
        if word in allowed:
            return word
        if word or required:
            self.errors[name] = _("Please choose one of the list")
        return None

    def integer(self, name: str, *, lo: int, hi: int, required: bool = True) -> int | None:
        """A whole number within [lo, hi]."""
        text = self._raw(name)
        if not text:
            if required:
                self.errors[name] = _("Please fill this in")
            return None
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isdigit() or not lo <= int(text) <= hi:
            self.errors[name] = _("A whole number from %(lo)d to %(hi)d, please", lo=lo, hi=hi)
            return None
        return int(text)

    def day(self, name: str) -> date | None:
        """A date written yyyy-mm-dd (what <input type="date"> sends); None when empty."""
        text = self._raw(name)
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.errors[name] = _("A date like 2027-06-30, please")
            return None
