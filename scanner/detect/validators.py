"""Named validators that rules refer to with ``validator: <name>``.

A validator gets the normalized matched value (the pattern's ``value`` group, or the whole
match) and returns its canonical form (what the engine hashes and masks), or None to
reject the match. ``VALIDATORS`` maps the names rules use to the functions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

Validator = Callable[[str], str | None]

_MY_NUMBER_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


_NOT_DIGIT = re.compile(r"[^0-9]")


_KANJI_NUMERALS = "〇一二三四五六七八九"  # 0..9
# kanji numerals as the ASCII digits they stand for (○, a circle, typed for 〇 as often)
_NUMERALS_TO_DIGITS = str.maketrans(_KANJI_NUMERALS + "○", "01234567890")


def _digits(value: str) -> str:
    """The ASCII digits of a normalized value; kanji numerals (〇 or ○ for zero) count as digits."""
    return _NOT_DIGIT.sub("", value.translate(_NUMERALS_TO_DIGITS) if not value.isascii() else value)


def pension_number_shape(value: str) -> str | None:
    """Ten digits, not all the same (placeholders like 0000000000). Canonical 1234-567890.

    No check digit exists, and prefixes are not validity rules (DOMAIN.md): context decides.
    """
    digits = _digits(value)
    if len(digits) != 10 or len(set(digits)) == 1:
        return None
    return f"{digits[:4]}-{digits[4:]}"


def my_number_check_digit(digits11: str) -> int:
    """The check digit of My Number for its first 11 digits."""
    total = sum(int(d) * w for d, w in zip(digits11, _MY_NUMBER_WEIGHTS, strict=True))
    rest = total % 11
    return 0 if rest <= 1 else 11 - rest


def my_number_checksum(value: str) -> str | None:
    """Twelve digits whose last is the check digit. Canonical 123456789018."""
    digits = _digits(value)
    if len(digits) != 12 or int(digits[-1]) != my_number_check_digit(digits[:11]):
        return None
    return digits


# Era name (full, one kanji, or latin initial) -> first day of the era.
_ERAS: dict[str, dt.date] = {
    "明治": dt.date(1868, 1, 25), "大正": dt.date(1912, 7, 30), "昭和": dt.date(1926, 12, 25),
    "平成": dt.date(1989, 1, 8), "令和": dt.date(2019, 5, 1),
}
_ERA_ORDER = ["明治", "大正", "昭和", "平成", "令和"]
_ERA_ALIASES = {"明": "明治", "大": "大正", "昭": "昭和", "平": "平成", "令": "令和",
                "M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和",
                "1": "明治", "2": "大正", "3": "昭和", "4": "平成", "5": "令和"}  # the codes systems use
# The standard ``re``: these only need literal classes, and it costs a third of ``regex`` per call.
_ERA_DATE = re.compile(
    r"(?P<era>明治|大正|昭和|平成|令和|[明大昭平令MTSHR]) ?(?P<y>元|[0-9]{1,2}) ?[年./-] ?"
    r"(?P<m>[0-9]{1,2}) ?[月./-] ?(?P<d>[0-9]{1,2})", re.IGNORECASE)
_WESTERN_DATE = re.compile(
    r"(?P<y>[0-9]{4}) ?[年./-] ?(?P<m>[0-9]{1,2}) ?[月./-] ?(?P<d>[0-9]{1,2})")
_ERA_CODE_DATE = re.compile(r"(?P<era>[MTSHR1-5])(?P<y>[0-9]{2})(?P<m>[0-9]{2})(?P<d>[0-9]{2})", re.IGNORECASE)  # S450101
_COMPACT_DATE = re.compile(r"(?<![0-9])(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})(?![0-9])")  # 19700101


_KANJI_NUMBER = re.compile(f"[{_KANJI_NUMERALS}十]{{1,3}}")


def kanji_number(text: str) -> int | None:
    """0..99 written in kanji, as a formal letter dates itself: 四十五 or 四五, 十二, 三十一, 〇."""
    if "十" not in text:
        return _numeral(text) if len(text) <= 2 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones or tens == "〇" or ones == "〇":
        return None
    return _numeral(tens or "一") * 10 + _numeral(ones or "〇")


def _numeral(digits: str) -> int:
    return int(digits.translate(_NUMERALS_TO_DIGITS))


def _arabic(m: re.Match[str]) -> str:
    number = kanji_number(m.group())
    return m.group() if number is None else str(number)


def birth_date(value: str) -> str | None:
    """A real calendar date, inside its era, not in the future. Canonical ISO 1970-01-01."""
    if _KANJI_NUMBER.search(value) is not None:  # 昭和四十五年一月一日
        value = _KANJI_NUMBER.sub(_arabic, value)
    era = _ERA_DATE.search(value) or _ERA_CODE_DATE.fullmatch(value)
    found = _era_date(era) if era is not None else _western_date(value)
    if found is None or found < _FIRST_ERA_DAY or not _in_past(found):
        return None
    return found.isoformat()


_FIRST_ERA_DAY = _ERAS["明治"]
_ERA_NEXT = {era: _ERAS[following] for era, following in zip(_ERA_ORDER, _ERA_ORDER[1:], strict=False)}
_PAST_AT_IMPORT = dt.date.today()  # a day already here at import is not in the future now


def _in_past(date: dt.date) -> bool:
    """``date <= today``; asks the clock only for dates after the day the module loaded."""
    return date <= _PAST_AT_IMPORT or date <= dt.date.today()


def _era_date(m: re.Match[str]) -> dt.date | None:
    era, year_text, month, day = m.group("era", "y", "m", "d")
    era = era.upper() if len(era) == 1 else era
    era = _ERA_ALIASES.get(era, era)
    year = 1 if year_text == "元" else int(year_text)
    start = _ERAS[era]
    date = _safe_date(start.year + year - 1, int(month), int(day))
    if date is None or date < start:
        return None
    following = _ERA_NEXT.get(era)
    if following is not None and date >= following:
        return None
    return date


def _western_date(value: str) -> dt.date | None:
    m = _WESTERN_DATE.search(value) or _COMPACT_DATE.search(value)
    if m is None:
        return None
    year, month, day = m.group("y", "m", "d")
    return _safe_date(int(year), int(month), int(day))


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


VALIDATORS: dict[str, Validator] = {
    "pension_number_shape": pension_number_shape,
    "my_number_checksum": my_number_checksum,
    "birth_date": birth_date,
}
