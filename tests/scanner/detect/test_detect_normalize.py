"""Normalization: NFKC + dash folding with a true offset map."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scanner.detect.normalize import normalize

DASHES = "-‐‑–—―−－ーｰ"
FULLWIDTH_DIGITS = "０１２３４５６７８９"
ALPHABET = (
    "0123456789" + FULLWIDTH_DIGITS + DASHES + " \u3000\n\tabcXYZ"
    + "あいうかがカガコードｶﾞｺｰﾄﾞﾔﾏﾀﾞ" + "山田太郎基礎年金番号様髙﨑" + "㍼①ｱ\u3099\u0301é"
)
texts = st.text(alphabet=ALPHABET, max_size=60) | st.text(max_size=30)  # office-like and any Unicode


def _ascii_digits(text: str) -> str:
    return "".join(c for c in text.translate(str.maketrans(FULLWIDTH_DIGITS, "0123456789")) if c in "0123456789")


@given(texts)
def test_detect_normalize_is_idempotent(text: str) -> None:
    once = normalize(text).text
    assert normalize(once).text == once


@given(texts)
def test_detect_normalize_offsets_are_monotonic_and_in_range(text: str) -> None:
    norm = normalize(text)
    previous = 0
    for i in range(len(norm.text)):
        start, end = norm.to_original(i, i + 1)
        assert 0 <= start < end <= len(text)
        assert start >= previous
        previous = start


@given(st.text(alphabet=ALPHABET, max_size=60))
def test_detect_normalize_preserves_digits(text: str) -> None:
    without_circled = text.replace("①", "")
    assert _ascii_digits(normalize(without_circled).text) == _ascii_digits(without_circled)


@given(st.text(alphabet="0123456789" + FULLWIDTH_DIGITS, min_size=1, max_size=12))
def test_detect_normalize_digit_spans_map_back_to_the_same_digits(digits: str) -> None:
    text = f"番号：{digits}です"
    norm = normalize(text)
    start = norm.text.index(_ascii_digits(digits))
    o_start, o_end = norm.to_original(start, start + len(digits))
    assert text[o_start:o_end] == digits


def test_detect_normalize_folds_every_dash_variant_between_digits() -> None:
    for dash in DASHES:
        assert normalize(f"1234{dash}567890").text == "1234-567890", dash


def test_detect_normalize_keeps_katakana_long_vowel_in_words() -> None:
    assert normalize("商品コード").text == "商品コード"
    assert normalize("ｺｰﾄﾞ").text == "コード"


def test_detect_normalize_era_square_and_fullwidth_space() -> None:
    norm = normalize("㍼45年\u3000１月")
    assert norm.text == "昭和45年 1月"
    assert norm.to_original(0, 2) == (0, 1)  # both 昭 and 和 come from ㍼
    assert norm.to_original(2, 4) == (1, 3)


@given(st.text(max_size=60))
def test_detect_normalize_cell_gives_the_same_text(text: str) -> None:
    from scanner.detect.normalize import normalize_cell

    assert normalize_cell(text).text == normalize(text).text
