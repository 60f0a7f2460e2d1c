"""Validators: My Number check digit, pension shape, birth dates in their eras."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from scanner.detect.validators import (
    birth_date,
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
