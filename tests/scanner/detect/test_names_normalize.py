"""Name normalizer, variant folding, masking and header kinds."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from scanner.detect.names import (
    VARIANT_KANJI,
    HeaderKind,
    fold_variants,
    header_kind,
    load_name_dictionaries,
    mask_name,
    normalize_name,
    to_katakana,
)
from tests.scanner.name_samples import to_half_width_kana

KATAKANA = st.text(st.characters(min_codepoint=0x30A1, max_codepoint=0x30F6), min_size=1, max_size=8)
NAME_TEXT = st.text(st.sampled_from("山田太郎髙﨑𠮷德瀨栁槗濵やまだタロウﾔﾏﾀﾞ 　\t"), max_size=12)


@given(NAME_TEXT)
def test_normalize_name_is_idempotent(text: str) -> None:
    once = normalize_name(text)
    assert normalize_name(once) == once


@given(NAME_TEXT)
def test_normalized_name_has_no_spaces_no_variants_no_hiragana(text: str) -> None:
    value = normalize_name(text)
    assert not any(c in value for c in " \u3000\t")
    assert not set(value) & set(VARIANT_KANJI)
    assert not any("ぁ" <= c <= "ゖ" for c in value)


@given(KATAKANA, KATAKANA)
def test_half_width_full_width_and_hiragana_spellings_are_one_value(family: str, given_name: str) -> None:
    full = f"{family}\u3000{given_name}"
    half = to_half_width_kana(full)
    hira = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in full)
    assert normalize_name(half) == normalize_name(full) == normalize_name(hira) == family + given_name


@given(st.text(max_size=20))
def test_fold_variants_keeps_length_and_is_idempotent(text: str) -> None:
    folded = fold_variants(text)
    assert len(folded) == len(text)
    assert fold_variants(folded) == folded


@given(st.text(st.characters(min_codepoint=0x3041, max_codepoint=0x3096), max_size=10))
def test_to_katakana_maps_every_hiragana(text: str) -> None:
    out = to_katakana(text)
    assert all("ァ" <= c <= "ヶ" for c in out) and len(out) == len(text)


def test_variant_kanji_fold_to_forms_the_dictionary_holds() -> None:
    dicts = load_name_dictionaries()
    surfaces = "".join(dicts.readings)
    for variant, target in VARIANT_KANJI.items():
        assert unicodedata.normalize("NFKC", variant) == variant  # NFKC alone would not help
        assert variant not in surfaces and target in surfaces
    assert normalize_name("髙橋　﨑子") == "高橋崎子"


def test_mask_keeps_only_the_first_character() -> None:
    assert mask_name("山田太郎", 2) == "山* **"
    assert mask_name("ヤマダタロウ") == "ヤ*****"
    assert mask_name("誠") == "*" and mask_name("") == ""


@given(st.text(min_size=2, max_size=10), st.integers(min_value=0, max_value=12))
def test_mask_never_shows_more_than_the_first_character(value: str, family_len: int) -> None:
    masked = mask_name(value, family_len)
    assert masked[0] == value[0]
    assert set(masked[1:]) <= {"*", " "}
    assert masked[1:].count("*") == len(value) - 1


def test_header_kinds() -> None:
    assert header_kind("氏名") is HeaderKind.NAME
    assert header_kind("被保険者氏名") is HeaderKind.NAME
    assert header_kind("受給者名") is HeaderKind.NAME
    assert header_kind("漢字氏名") is HeaderKind.NAME
    for kana in ("フリガナ", "カナ氏名", "氏名カナ", "氏名（カナ）", "ｶﾅ氏名", "セイ", "メイ"):
        assert header_kind(kana) is HeaderKind.KANA, kana
    assert header_kind("姓") is HeaderKind.FAMILY
    assert header_kind("名") is HeaderKind.GIVEN
    for other in ("商品名", "会社名", "法人名", "業者名", "部署名", "電話番号", "", None, "商品名カナ"):
        assert header_kind(other) is None, other
