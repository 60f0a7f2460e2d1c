"""Validators: My Number check digit, pension shape, birth dates in their eras."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.detect.validators import (
    birth_date,
    kanji_number,
    my_number_check_digit,
    my_number_checksum,
    pension_number_shape,
)

eleven_digits = st.text(alphabet="0123456789", min_size=11, max_size=11)


def test_detect_validators_my_number_known_value() -> None:
    assert my_number_checksum("123456789018") == "123456789018"
    assert my_number_checksum("1234-5678-9018") == "123456789018"
    assert my_number_checksum("123456789011") is None


@given(eleven_digits)
def test_detect_validators_my_number_exactly_one_check_digit_passes(first11: str) -> None:
    passing = [d for d in "0123456789" if my_number_checksum(first11 + d)]
    assert passing == [str(my_number_check_digit(first11))]


@given(eleven_digits)
def test_detect_validators_my_number_check_digit_matches_definition(first11: str) -> None:
    total = sum(int(d) * w for d, w in zip(first11, (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True))
    expected = 0 if total % 11 <= 1 else 11 - total % 11
    assert my_number_check_digit(first11) == expected


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_detect_validators_pension_shape_canonical(digits: str) -> None:
    result = pension_number_shape(digits)
    if len(set(digits)) == 1:
        assert result is None
    else:
        assert result == f"{digits[:4]}-{digits[4:]}"


def test_detect_validators_pension_shape_rejects_other_lengths() -> None:
    assert pension_number_shape("123456789") is None
    assert pension_number_shape("12345678901") is None


def test_detect_validators_birth_date_forms() -> None:
    assert birth_date("昭和45年1月1日") == "1970-01-01"
    assert birth_date("S45.1.1") == "1970-01-01"
    assert birth_date("昭45.1.1") == "1970-01-01"
    assert birth_date("平成元年1月8日") == "1989-01-08"
    assert birth_date("R1.5.1") == "2019-05-01"
    assert birth_date("1970年1月1日") == "1970-01-01"


def test_detect_validators_birth_date_era_boundaries() -> None:
    assert birth_date("昭和元年12月24日") is None  # before Showa began
    assert birth_date("昭和元年12月25日") == "1926-12-25"
    assert birth_date("平成元年1月7日") is None  # still Showa 64
    assert birth_date("昭和64年1月7日") == "1989-01-07"
    assert birth_date("昭和64年1月8日") is None
    assert birth_date("H31.4.30") == "2019-04-30"
    assert birth_date("H31.5.1") is None


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today()))
def test_detect_validators_birth_date_western_roundtrip(day: dt.date) -> None:
    assert birth_date(f"{day.year}/{day.month}/{day.day}") == day.isoformat()


@given(st.integers(1, 12), st.integers(29, 31))
def test_detect_validators_birth_date_rejects_impossible_days(month: int, day: int) -> None:
    try:
        dt.date(1970, month, day)
        real = True
    except ValueError:
        real = False
    assert (birth_date(f"1970/{month}/{day}") is not None) == real


_KANJI = "〇一二三四五六七八九"


def _traditional(n: int) -> str:
    """45 -> 四十五, 10 -> 十, 12 -> 十二, 0 -> 〇 (how a formal letter writes a number)."""
    tens, ones = divmod(n, 10)
    if not tens:
        return _KANJI[ones]
    return ("" if tens == 1 else _KANJI[tens]) + "十" + ("" if not ones else _KANJI[ones])


@pytest.mark.parametrize("n", range(100))
def test_kanji_numbers_read_both_ways(n: int) -> None:
    assert kanji_number(_traditional(n)) == n
    assert kanji_number("".join(_KANJI[int(d)] for d in str(n))) == n  # positional: 四五


@pytest.mark.parametrize("text", ["十十", "四十五六", "〇十", "十〇", "一二三"])
def test_not_a_kanji_number(text: str) -> None:
    assert kanji_number(text) is None


def test_a_formal_letters_birth_date() -> None:
    assert birth_date("昭和四十五年一月一日") == "1970-01-01"
    assert birth_date("平成元年十二月三十一日") == "1989-12-31"
    assert birth_date("昭和四十五年二月三十日") is None  # no such day
    assert birth_date("昭和六十五年一月一日") is None  # 昭和 ended in its 64th year


def test_a_pension_number_in_kanji_numerals_is_the_same_number() -> None:
    from scanner.detect.validators import pension_number_shape

    assert pension_number_shape("一二三四-五六七八九〇") == pension_number_shape("1234-567890") == "1234-567890"
    assert pension_number_shape("一二三四五六七八九○") == "1234-567890"  # ○ typed for 〇
    assert pension_number_shape("一一一一一一一一一一") is None  # a placeholder, as 1111111111 is


def test_the_same_number_in_kanji_and_in_digits_is_one_value() -> None:
    from scanner.detect import load_engine

    engine = load_engine()
    kanji = engine.scan_text("基礎年金番号　一二三四－五六七八九〇").findings
    digits = engine.scan_text("基礎年金番号 1234-567890").findings
    assert [f.value_hash for f in kanji] == [f.value_hash for f in digits] and len(kanji) == 1
