"""Half-width katakana, as legacy (mainframe) exports write labels and names: ｼﾒｲ, ｷｿﾈﾝｷﾝﾊﾞﾝｺﾞｳ."""

from __future__ import annotations

import unicodedata

import pytest

from scanner.detect import Engine, load_engine
from scanner.detect.normalize import half_width
from scanner.extract import Source
from scanner.model import Confidence
from scanner.scan import scan_source


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


@pytest.mark.parametrize(("word", "expected"), [
    ("シメイ", "ｼﾒｲ"), ("フリガナ", "ﾌﾘｶﾞﾅ"), ("キソネンキンバンゴウ", "ｷｿﾈﾝｷﾝﾊﾞﾝｺﾞｳ"), ("パ", "ﾊﾟ"), ("コード", "ｺｰﾄﾞ"),
    ("氏名", None), ("ふりがな", None), ("TEL", None), ("", None),
])
def test_half_width_is_the_spelling_nfkc_folds_back(word: str, expected: str | None) -> None:
    assert half_width(word) == expected
    if expected is not None:
        assert unicodedata.normalize("NFKC", expected) == word


def test_every_katakana_with_a_half_width_form_round_trips() -> None:
    for cp in range(0x30A1, 0x30FF):
        ch = chr(cp)
        narrow = half_width(ch)
        if narrow is not None:
            assert unicodedata.normalize("NFKC", narrow) == ch and all(0xFF61 <= ord(c) <= 0xFF9F for c in narrow)


def test_katakana_anchors_are_looked_for_in_both_widths(engine: Engine) -> None:
    from rules import default_rules_dir
    from scanner.detect.rules import load_rules

    spec = next(s for s in load_rules(default_rules_dir()) if s.id == "person_name")
    assert {"シメイ", "フリガナ", "ﾌﾘｶﾞﾅ", "カナ", "ｶﾅ"} <= set(spec.anchors)
    # a few half-width bytes are common EUC-JP kanji (ｾｲ is 床, ｼﾒｲ starts 社会): no twin
    assert not {"ｾｲ", "ｼﾒｲ"} & set(spec.anchors)
    assert len(spec.anchors) == len(set(spec.anchors))


def _scan(engine: Engine, text: str):
    return scan_source(Source.from_bytes("legacy.csv", text.encode("cp932")), engine)


def test_a_legacy_export_with_half_width_labels_is_a_roster(engine: Engine) -> None:
    result = _scan(engine, "ｼﾒｲ,ｷｿﾈﾝｷﾝﾊﾞﾝｺﾞｳ\r\nﾔﾏﾀﾞ ﾀﾛｳ,1234-567890\r\nｻﾄｳ ﾊﾅｺ,2345-678901\r\n")
    numbers = {(f.location, f.confidence) for f in result.findings if f.detector == "pension_number"}
    names = {f.location for f in result.findings if f.detector == "person_name" and f.confidence >= Confidence.MEDIUM}
    assert numbers == {("B2", Confidence.HIGH), ("B3", Confidence.HIGH)}
    assert names == {"A2", "A3"}  # not A1: the header row's own ｼﾒｲ is a label, not a name
    assert result.pension_records == 2


def test_a_dropped_zero_under_a_half_width_header_passes_the_byte_prefilter(engine: Engine) -> None:
    # nine digits are no candidate: only the header, in half-width bytes, lets the file be read
    result = _scan(engine, "ｼﾞｭｳｼｮ,ｷｿﾈﾝｷﾝﾊﾞﾝｺﾞｳ\r\nﾄｳｷｮｳﾄ,123456789\r\n")  # no anchor, no candidate
    assert {f.masked for f in result.findings
            if f.detector == "pension_number" and f.confidence >= Confidence.MEDIUM} == {"0123-****89"}


def test_a_half_width_phone_column_stays_a_phone_column(engine: Engine) -> None:
    result = _scan(engine, "ｼﾒｲ,ﾃﾞﾝﾜﾊﾞﾝｺﾞｳ\r\nﾔﾏﾀﾞ ﾀﾛｳ,0312345678\r\n")
    assert not any(f.detector == "pension_number" and f.confidence >= Confidence.MEDIUM for f in result.findings)
