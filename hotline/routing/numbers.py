"""Caller and dialled numbers in one national form, with their kind and area code; never raises.

Chinese numbers arrive as +86…, 0086…, 86…, with or without the trunk 0, with spaces, dashes,
dots or parentheses. `normalise` turns them into the national form the prefix table and the
members table use: fixed lines with the trunk 0 and area code ("075526880001"), mobiles as
11 digits ("13800138001"), service numbers as dialled ("12345", "10109366").
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

import phonenumbers
from phonenumbers import PhoneNumberType, geocoder, shortnumberinfo

logger = logging.getLogger(__name__)

Kind = Literal["mobile", "fixed", "service", "foreign", "withheld", "invalid"]

REGION = "CN"
# What switches and carriers put in the caller id when the number is not presented
WITHHELD_WORDS = frozenset({"", "anonymous", "unknown", "restricted", "private", "withheld", "unavailable"})
MAX_INPUT = 40  # longer input is not a phone number, whatever it contains
_SEPARATORS = re.compile(r"[\s\-.()]")
_DIGITS = re.compile(r"\+?[0-9]{1,20}")
_SERVICE_TYPES = {
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.UAN,
}
_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


@dataclass(frozen=True)
class Number:
    """A normalised phone number: `national` is None unless the number is usable for routing."""

    raw: str | None
    national: str | None
    kind: Kind
    area_code: str | None = None
    e164: str | None = None

    @property
    def label(self) -> str:
        """The national form, or the kind when there is none ("withheld", "invalid")."""
        return self.national or self.kind


def _clean(raw: str) -> str | None:
    """Digits with an optional leading +, "00" turned into "+"; None when anything else is left."""
    text = _SEPARATORS.sub("", raw)
    if not _DIGITS.fullmatch(text):
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    return text


def _parse(text: str) -> tuple[phonenumbers.PhoneNumber, int] | None:
    """The parsed number and its type, or None unless it is valid. The type is worked out once: it is
    phonenumbers' costliest step (a pattern match per type), which is_valid_number, number_type and
    length_of_geographical_area_code would each repeat (valid means a type other than UNKNOWN)."""
    try:
        parsed = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    kind = phonenumbers.number_type(parsed)
    return (parsed, kind) if kind != PhoneNumberType.UNKNOWN else None


def _is_short_service(digits: str) -> bool:
    if not 3 <= len(digits) <= 8:
        return False
    try:
        short = phonenumbers.parse(digits, REGION)
    except phonenumbers.NumberParseException:
        return False
    return bool(shortnumberinfo.is_valid_short_number_for_region(short, REGION))


def _from_parsed(raw: str, parsed: phonenumbers.PhoneNumber, kind: int) -> Number:
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if parsed.country_code != 86:
        return Number(raw, e164.lstrip("+"), "foreign", None, e164)
    nsn = phonenumbers.national_significant_number(parsed)
    if kind in _MOBILE_TYPES:
        return Number(raw, nsn, "mobile", None, e164)
    if kind in _SERVICE_TYPES:
        return Number(raw, nsn, "service", None, e164)
    # length_of_geographical_area_code without its own number_type: China has a national prefix (0)
    # and area codes on geographical numbers only
    geographical = phonenumbers.is_number_type_geographical(kind, parsed.country_code)
    area_len = phonenumbers.length_of_national_destination_code(parsed) if geographical else 0
    area_code = "0" + nsn[:area_len] if area_len else None
    return Number(raw, "0" + nsn, "fixed", area_code, e164)


def _normalise(raw: str | None) -> Number:
    if raw is None or raw.strip().lower() in WITHHELD_WORDS:
        return Number(raw, None, "withheld")
    if len(raw) > MAX_INPUT:
        return Number(raw, None, "invalid")
    text = _clean(raw)
    if text is None:
        return Number(raw, None, "invalid")
    if not text.startswith("+") and _is_short_service(text):
        return Number(raw, text, "service")
    parsed = _parse(text)
    if parsed is None and not text.startswith("+") and text.startswith("86"):
        parsed = _parse("+" + text)  # 86 without the plus, when what follows is a valid number
    if parsed is None:
        return Number(raw, None, "invalid")
    return _from_parsed(raw, *parsed)


def normalise(raw: str | None) -> Number:
    """The number's national form and kind; withheld or unusable input gives kind withheld/invalid."""
    try:
        return _normalise(raw)
    except Exception:  # a caller id must never crash call handling
        logger.exception("number %r: could not be normalised", raw)
        return Number(raw if isinstance(raw, str) else None, None, "invalid")


def describe(number: Number) -> str | None:
    """Where phonenumbers' geocoder places the number, in Chinese ("广东省深圳市"); None when unknown."""
    if number.e164 is None or number.kind not in ("fixed", "mobile"):
        return None
    try:
        text = geocoder.description_for_number(phonenumbers.parse(number.e164), "zh")
    except Exception:
        logger.exception("number %s: geocoding failed", number.e164)
        return None
    return text or None


def dialled_digits(raw: str | None) -> str | None:
    """A dialled number as the DID table spells it: digits only, without +86 / 0086."""
    if raw is None or len(raw) > MAX_INPUT:
        return None
    text = _clean(raw)
    if text is None:
        return None
    if text.startswith("+86"):
        return text[3:]
    return text.lstrip("+") or None
