"""How the IVR speaks numbers, digit strings, dates and ticket statuses: as sequences of prompt names.

Every word is a prompt of `ivr_prompts/texts/<lang>.yaml` (played as `sound:hotline/<name>`), so a
number is a list like ["n_20", "digit_6"]. Both languages use the same prompt names; each language
picks the ones its grammar needs (Mandarin 两千零二十六, English "two thousand twenty-six").
"""

from __future__ import annotations

from datetime import date, datetime

DIGITS = [f"digit_{d}" for d in range(10)]
TEENS = [f"n_{n}" for n in range(10, 20)]  # ten .. nineteen / 十 .. 十九
TENS = [f"n_{n}" for n in range(20, 100, 10)]  # twenty .. ninety / 二十 .. 九十
HUNDRED, THOUSAND = "n_100", "n_1000"
LIANG = "liang"  # Mandarin 两: "two" before 百 and 千
MONTHS = [f"month_{m}" for m in range(1, 13)]
ORDINALS = [f"ord_{n}" for n in range(1, 21)] + ["ord_30"]  # English day of month
YEAR, DAY = "year", "day"  # 年, 日
TICKET, IS, LAST_UPDATED = "ticket", "is", "last_updated"
# Every status of the ticket workflow (hotline.tickets.workflow.ALL_STATUSES; a unit test keeps them equal)
STATUSES = (
    "new", "dispatched", "accepted", "in_service", "closed", "cancelled", "measure_ordered",
    "measure_accepted", "measure_done", "forwarded", "replied",
)  # fmt: skip
STATUS_OTHER = "status_other"
STATUS_PROMPTS = [f"status_{s}" for s in STATUSES] + [STATUS_OTHER]

# Every prompt this module may return: a flow that reads ticket statuses needs all of them.
SPEECH_PROMPTS: list[str] = [
    *DIGITS, *TEENS, *TENS, HUNDRED, THOUSAND, LIANG, *MONTHS, *ORDINALS, YEAR, DAY,
    TICKET, IS, LAST_UPDATED, *STATUS_PROMPTS,
]  # fmt: skip

MAX_NUMBER = 9999


def _check_lang(lang: str) -> None:
    if lang not in ("zh", "en"):
        raise ValueError(f"no speech rules for language {lang!r}")


def say_digits(s: str, lang: str) -> list[str]:
    """One prompt per digit of `s` ("2026" -> two, zero, two, six); other characters are skipped."""
    _check_lang(lang)
    return [DIGITS[int(ch)] for ch in s if ch.isascii() and ch.isdigit()]


def say_number(n: int, lang: str) -> list[str]:
    """A whole number 0-9999 as words."""
    _check_lang(lang)
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"{n} is outside 0-{MAX_NUMBER}")
    if n < 10:
        return [DIGITS[n]]
    if n < 20:
        return [TEENS[n - 10]]
    return _zh_number(n) if lang == "zh" else _en_number(n)


def _zh_number(n: int) -> list[str]:
    thousands, hundreds, tens, ones = n // 1000, n // 100 % 10, n // 10 % 10, n % 10
    words: list[str] = []
    if thousands:
        words += [LIANG if thousands == 2 else DIGITS[thousands], THOUSAND]
    if hundreds:
        words += [LIANG if hundreds == 2 else DIGITS[hundreds], HUNDRED]
    elif thousands and (tens or ones):
        words.append(DIGITS[0])  # 一千零五, 两千零二十六
    if tens == 1:
        words += [DIGITS[1], TEENS[0]] if words else [TEENS[0]]  # 一百一十
    elif tens:
        words.append(TENS[tens - 2])
    elif hundreds and ones:
        words.append(DIGITS[0])  # 一百零五
    if ones:
        words.append(DIGITS[ones])
    return words


def _en_number(n: int) -> list[str]:
    thousands, hundreds, rest = n // 1000, n // 100 % 10, n % 100
    words: list[str] = []
    if thousands:
        words += [DIGITS[thousands], THOUSAND]
    if hundreds:
        words += [DIGITS[hundreds], HUNDRED]
    if rest >= 20:
        words.append(TENS[rest // 10 - 2])
        if rest % 10:
            words.append(DIGITS[rest % 10])
    elif rest >= 10:
        words.append(TEENS[rest - 10])
    elif rest:
        words.append(DIGITS[rest])
    return words


def _en_ordinal(day: int) -> list[str]:
    if day <= 20:
        return [ORDINALS[day - 1]]
    if day % 10 == 0:
        return ["ord_30"]
    return [TENS[day // 10 - 2], ORDINALS[day % 10 - 1]]  # twenty + first


def _en_year(year: int) -> list[str]:
    """2026 -> twenty twenty-six; 2005 and 2000 -> two thousand (five)."""
    if year % 100 < 10:
        return say_number(year, "en")
    return say_number(year // 100, "en") + say_number(year % 100, "en")


def say_date(d: date, lang: str) -> list[str]:
    """zh: 二〇二六年十一月二十日; en: November twentieth, twenty twenty-six."""
    _check_lang(lang)
    if not 1 <= d.year <= MAX_NUMBER:
        raise ValueError(f"year {d.year} is outside 1-{MAX_NUMBER}")
    if lang == "zh":
        return [*say_digits(f"{d.year}", lang), YEAR, MONTHS[d.month - 1], *say_number(d.day, lang), DAY]
    return [MONTHS[d.month - 1], *_en_ordinal(d.day), *_en_year(d.year)]


def status_prompt(status: str) -> str:
    """The prompt naming a ticket status (`status_other` for a status without its own word)."""
    return f"status_{status}" if status in STATUSES else STATUS_OTHER


def ticket_status_prompts(number: str, status: str, updated: datetime | date, lang: str) -> list[str]:
    """Say "ticket <digits> is <status>, last updated <date>" in `lang`."""
    when = updated.date() if isinstance(updated, datetime) else updated
    return [TICKET, *say_digits(number, lang), IS, status_prompt(status), LAST_UPDATED, *say_date(when, lang)]
