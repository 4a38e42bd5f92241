"""Caller-number normalisation: every written form of a Chinese number, and hostile input."""

from __future__ import annotations

import random

import pytest

from hotline.routing.numbers import describe, dialled_digits, normalise

KINDS = {"mobile", "fixed", "service", "foreign", "withheld", "invalid"}


@pytest.mark.parametrize(
    "raw",
    [
        "075526880001",
        "+8675526880001",
        "0086 755 2688 0001",
        "(0755) 2688-0001",
        "0755.2688.0001",
        "86075526880001",
        "8675526880001",
        " 0755-26880001 ",
    ],
)
def test_every_form_of_a_shenzhen_fixed_line_gives_the_national_form_with_trunk_zero(raw: str) -> None:
    number = normalise(raw)
    assert (number.national, number.kind, number.area_code) == ("075526880001", "fixed", "0755")
    assert number.e164 == "+8675526880001"
    assert number.raw == raw


@pytest.mark.parametrize(
    "raw", ["13800138001", "+86 138 0013 8001", "008613800138001", "8613800138001", "138-0013-8001"]
)
def test_every_form_of_a_mobile_gives_its_eleven_digits(raw: str) -> None:
    number = normalise(raw)
    assert (number.national, number.kind, number.area_code) == ("13800138001", "mobile", None)
    assert number.e164 == "+8613800138001"


def test_a_beijing_fixed_line_has_the_two_digit_area_code() -> None:
    number = normalise("010-1234 5678")
    assert (number.national, number.kind, number.area_code) == ("01012345678", "fixed", "010")


@pytest.mark.parametrize("raw", [None, "", "   ", "anonymous", "Unknown", "RESTRICTED", "private"])
def test_a_missing_or_withheld_caller_id_is_withheld(raw: str | None) -> None:
    number = normalise(raw)
    assert (number.kind, number.national, number.label) == ("withheld", None, "withheld")


@pytest.mark.parametrize(
    "raw",
    ["abc", "12", "1380013800", "138001380011111", "+86", "++8613800138001", "0755-2688-000x", "86", "+"],
)
def test_garbage_and_wrong_lengths_are_invalid(raw: str) -> None:
    number = normalise(raw)
    assert (number.kind, number.national, number.label) == ("invalid", None, "invalid")


@pytest.mark.parametrize("raw", ["12345", "110", "10109366", "95555"])
def test_short_public_service_numbers_are_service(raw: str) -> None:
    number = normalise(raw)
    assert (number.kind, number.national) == ("service", raw)


def test_a_number_outside_china_is_foreign() -> None:
    number = normalise("+1 415 555 2671")
    assert (number.kind, number.e164, number.area_code) == ("foreign", "+14155552671", None)


HOSTILE = [
    "\x00",
    "13800138001\x00",
    "１３８００１３８００１",  # fullwidth digits
    "a" * 10_000,
    "9" * 10_000,
    "%s%n%x",
    "+" * 50,
    "0" * 40,
    "🙂",
    "sip:13800138001@example.com",
    "1e5",
    "-1",
    "\ud800",
    "'; DROP TABLE members; --",
    "${jndi:ldap://x}",
    "\u202e10001380031",
    "0x1F",
    "00",
    "+0",
    "()",
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_caller_ids_never_raise_and_are_not_usable(raw: str) -> None:
    number = normalise(raw)
    assert number.kind in ("invalid", "withheld")
    assert number.national is None
    assert describe(number) is None


def test_random_strings_never_raise_and_keep_the_invariants() -> None:
    rng = random.Random(20261120)
    alphabet = "0123456789+-(). a#*"
    for _ in range(2000):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        number = normalise(raw)
        assert number.kind in KINDS
        assert (number.national is None) == (number.kind in ("withheld", "invalid"))
        if number.national is not None:
            assert number.national.isdigit()


def test_describe_gives_the_geocoded_place_in_chinese() -> None:
    assert describe(normalise("075526880001")) == "广东省深圳市"
    assert describe(normalise("0752-2123456")) == "广东省惠州市"
    assert describe(normalise(None)) is None
    assert describe(normalise("12345")) is None


@pytest.mark.parametrize(
    ("raw", "digits"),
    [("1010936601", "1010936601"), ("+86 10 1093 6601", "1010936601"), ("0086-10109366", "10109366")],
)
def test_dialled_numbers_become_the_did_tables_digits(raw: str, digits: str) -> None:
    assert dialled_digits(raw) == digits


@pytest.mark.parametrize("raw", [None, "", "s", "x" * 100, "10109366;foo"])
def test_unusable_dialled_numbers_are_none(raw: str | None) -> None:
    assert dialled_digits(raw) is None
