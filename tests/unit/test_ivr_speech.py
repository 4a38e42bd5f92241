"""Numbers, dates and ticket statuses as prompt sequences, in Mandarin and English."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hotline.ivr.schema import available_prompts
from hotline.ivr.speech import (
    SPEECH_PROMPTS,
    STATUS_OTHER,
    STATUSES,
    say_date,
    say_digits,
    say_number,
    status_prompt,
    ticket_status_prompts,
)
from hotline.tickets import workflow
from ivr_prompts.build import load_texts

ZH, EN = load_texts("zh"), load_texts("en")


def spoken(prompts: list[str], lang: str) -> str:
    """What the caller hears, as the texts files write it."""
    texts = ZH if lang == "zh" else EN
    return ("" if lang == "zh" else " ").join(texts[name] for name in prompts)


ZH_NUMBERS = {0: "零", 7: "七", 10: "十", 15: "十五", 20: "二十", 31: "三十一", 100: "一百", 105: "一百零五",
              110: "一百一十", 200: "两百", 999: "九百九十九", 1000: "一千", 1001: "一千零一",
              1010: "一千零一十",
              2026: "两千零二十六", 2200: "两千两百", 9999: "九千九百九十九"}  # fmt: skip
EN_NUMBERS = {0: "zero", 7: "seven", 13: "thirteen", 20: "twenty", 42: "forty two", 100: "one hundred",
              105: "one hundred five", 110: "one hundred ten", 1001: "one thousand one",
              2026: "two thousand twenty six", 9999: "nine thousand nine hundred ninety nine"}  # fmt: skip


@pytest.mark.parametrize(
    ("n", "lang", "words"),
    [(n, "zh", words) for n, words in ZH_NUMBERS.items()]
    + [(n, "en", words) for n, words in EN_NUMBERS.items()],
)
def test_numbers(n: int, lang: str, words: str) -> None:
    assert spoken(say_number(n, lang), lang) == words


@pytest.mark.parametrize("n", [-1, 10_000])
def test_numbers_outside_the_range_are_refused(n: int) -> None:
    with pytest.raises(ValueError, match="outside 0-9999"):
        say_number(n, "zh")


def test_digits_are_said_one_by_one_and_other_characters_skipped() -> None:
    assert say_digits("2026-0001", "en") == [f"digit_{d}" for d in "20260001"]
    assert spoken(say_digits("110", "zh"), "zh") == "一一零"


@pytest.mark.parametrize(
    ("day", "zh", "en"),
    [
        (date(2026, 11, 20), "二零二六年十一月二十日", "November twentieth twenty twenty six"),
        (date(2026, 1, 1), "二零二六年一月一日", "January first twenty twenty six"),
        (date(2027, 3, 21), "二零二七年三月二十一日", "March twenty first twenty twenty seven"),
        (date(2026, 12, 30), "二零二六年十二月三十日", "December thirtieth twenty twenty six"),
        (date(2005, 5, 31), "二零零五年五月三十一日", "May thirty first two thousand five"),
    ],
)
def test_dates(day: date, zh: str, en: str) -> None:
    assert spoken(say_date(day, "zh"), "zh") == zh
    assert spoken(say_date(day, "en"), "en") == en


def test_a_language_without_rules_is_refused() -> None:
    with pytest.raises(ValueError, match="no speech rules for language 'fr'"):
        say_number(1, "fr")


def test_ticket_status_sentence() -> None:
    updated = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    zh = ticket_status_prompts("20261120-0001", "dispatched", updated, "zh")
    en = ticket_status_prompts("20261120-0001", "dispatched", updated, "en")
    assert (
        spoken(zh, "zh") == "工单号二零二六一一二零零零零一的当前状态是已派单最后更新于二零二六年十一月二十日"
    )
    assert spoken(en, "en") == (
        "Ticket number two zero two six one one two zero zero zero zero one is dispatched "
        "to a service company last updated on November twentieth twenty twenty six"
    )


@pytest.mark.parametrize(
    ("status", "prompt"),
    [
        ("new", "status_new"),
        ("in_service", "status_in_service"),
        ("cancelled", "status_cancelled"),
        ("measure_done", "status_measure_done"),
        ("escalated", "status_other"),
    ],
)
def test_each_status_has_a_word_and_others_a_general_one(status: str, prompt: str) -> None:
    assert status_prompt(status) == prompt


def test_every_status_of_the_ticket_workflow_is_spoken_with_its_own_word() -> None:
    assert set(STATUSES) == set(workflow.ALL_STATUSES)
    assert all(status_prompt(status) != STATUS_OTHER for status in workflow.ALL_STATUSES)


def test_every_word_speech_uses_is_a_prompt_in_both_languages() -> None:
    available = available_prompts()
    words = {name for n in range(10_000) for lang in ("zh", "en") for name in say_number(n, lang)}
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    words |= {name for day in days for lang in ("zh", "en") for name in say_date(day, lang)}
    assert words <= set(SPEECH_PROMPTS)
    assert set(SPEECH_PROMPTS) <= available["zh"] and set(SPEECH_PROMPTS) <= available["en"]
