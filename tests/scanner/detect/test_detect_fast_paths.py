"""Fast paths give what the plain definitions give (the definitions are kept here)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import cache

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.detect import Engine, load_engine
from scanner.detect.engine import Engine as _Engine
from scanner.detect.finders import Detector, PatternFinder, _separator_blind
from scanner.detect.names import VARIANT_KANJI, fold_variants, normalize_name, to_katakana
from scanner.detect.normalize import normalize_cell, normalize_cells
from scanner.detect.records import PENSION, ROW_KEY, Hit, apply_record_context
from scanner.detect.validators import birth_date, pension_number_shape
from scanner.model import Confidence, TableBlock

_SPACES = re.compile(r"[ \t\u3000]+")


def reference_to_katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" or c in "ゝゞ" else c for c in text)


def reference_normalize_name(text: str) -> str:
    text = _SPACES.sub("", unicodedata.normalize("NFKC", text))
    folded = unicodedata.normalize("NFKC", text).translate(str.maketrans(VARIANT_KANJI))
    return reference_to_katakana(folded)


KANA_AND_MORE = st.text(st.characters(min_codepoint=0x3000, max_codepoint=0x30FF), max_size=12)
NAMEISH = st.text(st.sampled_from("山田太郎髙﨑𠮷德瀨栁槗濵やまだゝゞタロウﾔﾏﾀﾞｳﾞ ﾞ゛゙　\t1１"), max_size=12)
ANY_TEXT = st.one_of(KANA_AND_MORE, NAMEISH, st.text(max_size=12))


@given(ANY_TEXT)
def test_to_katakana_matches_reference(text: str) -> None:
    assert to_katakana(text) == reference_to_katakana(text)


@given(ANY_TEXT)
def test_fold_variants_matches_reference(text: str) -> None:
    assert fold_variants(text) == "".join(VARIANT_KANJI.get(c, c) for c in text)


@given(ANY_TEXT)
def test_normalize_name_matches_reference(text: str) -> None:
    assert normalize_name(text) == reference_normalize_name(text)


@given(st.one_of(NAMEISH, st.text(st.sampled_from("　 ０１２-ー―−ｰ1２ﾞ゙a"), max_size=12), st.text(max_size=12)))
def test_normalize_cell_is_nfkc_of_the_original(text: str) -> None:
    from scanner.detect.normalize import _fold_dashes

    assert normalize_cell(text).text == _fold_dashes(unicodedata.normalize("NFKC", text))


_ERAS = {"明治": dt.date(1868, 1, 25), "大正": dt.date(1912, 7, 30), "昭和": dt.date(1926, 12, 25),
         "平成": dt.date(1989, 1, 8), "令和": dt.date(2019, 5, 1)}
_ORDER = list(_ERAS)
_ALIASES = {"明": "明治", "大": "大正", "昭": "昭和", "平": "平成", "令": "令和",
            "M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
_ERA_DATE = regex.compile(
    r"(?P<era>明治|大正|昭和|平成|令和|[明大昭平令MTSHR]) ?(?P<y>元|[0-9]{1,2}) ?[年./-] ?"
    r"(?P<m>[0-9]{1,2}) ?[月./-] ?(?P<d>[0-9]{1,2})", regex.IGNORECASE)
_WESTERN_DATE = regex.compile(r"(?P<y>[0-9]{4}) ?[年./-] ?(?P<m>[0-9]{1,2}) ?[月./-] ?(?P<d>[0-9]{1,2})")
_COMPACT_DATE = regex.compile(r"(?<![0-9])(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})(?![0-9])")


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def reference_birth_date(value: str) -> str | None:
    found: dt.date | None
    m = _ERA_DATE.search(value)
    if m:
        era = m["era"].upper() if len(m["era"]) == 1 else m["era"]
        era = _ALIASES.get(era, era)
        start = _ERAS[era]
        found = _date(start.year + (1 if m["y"] == "元" else int(m["y"])) - 1, int(m["m"]), int(m["d"]))
        following = _ORDER.index(era) + 1
        if found is not None and (found < start or (following < len(_ORDER) and found >= _ERAS[_ORDER[following]])):
            found = None
    else:
        w = _WESTERN_DATE.search(value) or _COMPACT_DATE.search(value)
        found = _date(int(w["y"]), int(w["m"]), int(w["d"])) if w else None
    if found is None or not dt.date(1868, 1, 25) <= found <= dt.date.today():
        return None
    return found.isoformat()


DATEISH = st.text(st.sampled_from("明治大正昭和平成令和元年月日MTSHRmtshrſ0123456789./- "), max_size=16)
YEARS = st.integers(min_value=1, max_value=70).map(str)


@given(st.one_of(DATEISH, st.builds(lambda e, y, m, d: f"{e}{y}年{m}月{d}日", st.sampled_from(list(_ERAS) + list(_ALIASES)),
                                    YEARS, st.integers(1, 13), st.integers(1, 32)),
                 st.dates(max_value=dt.date(2100, 1, 1)).map(lambda d: d.strftime("%Y/%m/%d")),
                 st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(2100, 1, 1)).map(lambda d: d.strftime("%Y%m%d"))))
def test_birth_date_matches_reference(text: str) -> None:
    assert birth_date(text) == reference_birth_date(text)


@given(st.text(st.sampled_from("0123456789-  ０"), max_size=14))
def test_pension_shape_keeps_digits_only(text: str) -> None:
    digits = "".join(c for c in text if "0" <= c <= "9")
    expected = None if len(digits) != 10 or len(set(digits)) == 1 else f"{digits[:4]}-{digits[4:]}"
    assert pension_number_shape(text) == expected


# --- column batches: a table column searched as one string gives each cell's own answer ---

# Cells of a roster, with what could go wrong at a cell's edge: combining marks and half-width
# voicing marks at its start, ー and dashes beside digits, the separator itself, letters and
# digits on both sides of a lookbehind.
_EDGY = "明治大正昭和平成令和元年月日ST0123456789０１./-ーｰ－ 　ｳﾞ゙\u0301氏名生年月日TEL山田太郎ヤマダ\x1f\x1ea"
_DATE = st.builds(lambda e, y, m, d: f"{e}{y}年{m}月{d}日", st.sampled_from(["昭和", "S", "平成", "昭"]),
                  st.integers(1, 70), st.integers(1, 13), st.integers(1, 32))
_KEYWORD = st.sampled_from(["生年月日", "作成日 ", "誕生日：", "生まれ", "TEL", "birth ", "基礎年金番号"])
EDGY_CELL = st.one_of(st.text(st.sampled_from(_EDGY), max_size=14), _DATE, st.text(max_size=6),
                      st.builds(lambda k, d, after: d + k if after else k + d, _KEYWORD, _DATE, st.booleans()))
EDGY_COLUMN = st.lists(EDGY_CELL, max_size=12)


@given(EDGY_COLUMN)
def test_normalize_cells_is_normalize_cell_of_each(texts: list[str]) -> None:
    assert normalize_cells(texts) == [normalize_cell(t) for t in texts]


@cache
def _engine() -> Engine:
    return load_engine(hasher=lambda v: f"h:{v}")


@pytest.fixture(autouse=True, scope="module")
def _warm_engine() -> None:
    """The engine is loaded before any hypothesis clock starts: a cold load alone can pass
    a test's deadline on its first example."""
    _engine()


def _pattern_finders() -> list[PatternFinder]:
    return [d.finder for d in _engine()._detectors if isinstance(d.finder, PatternFinder)]


def test_shipped_pattern_rules_batch() -> None:
    assert {f.spec.id for f in _pattern_finders() if f.batches} == {"birth_date", "pension_number", "my_number"}


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(EDGY_COLUMN)
def test_find_cells_is_find_of_each(texts: list[str]) -> None:
    texts = [normalize_cell(t).text for t in texts]
    for finder in _pattern_finders():
        assert finder.find_cells(texts) == [finder._find(t) for t in texts]


@pytest.mark.parametrize("source", [
    r"(?<![0-9])[0-9]{4}-[0-9]{6}(?![0-9]|-[0-9])", r"(?P<value>[0-9]{4})([./-])\d\1", r"(?<![0-9A-Za-z])年 ?[]月]",
    r"\.\-\(\)", r"[明大昭]", r"[0-9]{4}-\r?\n[0-9]{6}", r"a\tb",
])
def test_separator_blind_patterns(source: str) -> None:
    assert _separator_blind(re.compile(source))


@pytest.mark.parametrize("source", [
    r"^[0-9]{4}", r"[0-9]{4}$", r"[0-9].[0-9]", r"(?<![^0-9])[0-9]", r"\s[0-9]", r"\W", r"\D", r"\b1", r"\x1f",
    r"[\1-9]", r"(?i)tel", r"(?s)a", "a\x1fb", r"\p{Han}", r"[[:alpha:]]", r"(?>a)", r"\N{DIGIT ONE}",
    r"[\t-~]", r"[\n]",
])
def test_separator_seeing_patterns(source: str) -> None:
    assert not _separator_blind(regex.compile(source))
    assert not _separator_blind(regex.compile("[0-9]{4}", regex.IGNORECASE))


def test_separator_seeing_rule_refuses_to_batch() -> None:
    finder = next(f for f in _pattern_finders() if f.spec.id == "birth_date")
    seeing = PatternFinder.__new__(PatternFinder)
    seeing.spec, seeing.batches = finder.spec, False
    with pytest.raises(ValueError, match="separator"):
        seeing.find_cells(["昭和45年1月1日"])


_HEADERS = st.lists(st.sampled_from(["氏名", "生年月日", "フリガナ", "基礎年金番号", "備考", "電話", ""]),
                    min_size=1, max_size=4)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=150)
@given(_HEADERS, st.lists(st.lists(EDGY_CELL, min_size=1, max_size=4), min_size=1, max_size=6))
def test_column_batches_change_no_finding(headers: list[str], rows: list[list[str]]) -> None:
    engine = _engine()
    block = TableBlock(rows=[headers, *rows], headers=headers)
    batched = engine.scan([block]).findings
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_Engine, "_column_batch", lambda *_args: None)  # every cell on its own
        plain = engine.scan([block]).findings
    assert batched == plain


def reference_record_context(hits: list[Hit], pension_keys: set[str]) -> None:
    """apply_record_context as first written: every hit of a record against every other
    (quadratic in a record; a wide row holds thousands of numbers)."""
    by_record: dict[str | None, list[Hit]] = {}
    for h in hits:
        by_record.setdefault(h.record, []).append(h)
    for members in by_record.values():
        before = {id(m): m.score for m in members}
        for h in members:
            spec = h.detector.spec
            if not spec.record_context:
                continue
            present = {m.detector.id for m in members if m is not h and before[id(m)] >= spec.record_min_score
                       and m.detector.id in spec.record_context}
            for other in sorted(present):
                h.score += spec.record_context[other]
                h.reasons.append(f"record:{other}")
            if h.detector.id == PENSION and present and Confidence.from_score(h.score) >= Confidence.MEDIUM:
                pension_keys.add(f"{h.record}{ROW_KEY}{h.value}" if h.in_table and h.record else f"value:{h.value}")


@cache
def detectors() -> dict[str, Detector]:
    return {d.id: d for d in _engine()._detectors}


RECORD_HITS = st.lists(st.tuples(st.sampled_from(["pension_number", "person_name", "birth_date", "my_number"]),
                                 st.sampled_from([0.05, 0.2, 0.3, 0.31, 0.5, 0.9]), st.integers(0, 3), st.booleans()),
                       max_size=30)


@given(RECORD_HITS)
def test_record_context_matches_reference(spec: list[tuple[str, float, int, bool]]) -> None:
    def hits() -> list[Hit]:
        return [Hit(detectors()[d], i, i + 1, f"v{i % 4}", "", score, [], f"B{i}", record=f"row {r}", in_table=table)
                for i, (d, score, r, table) in enumerate(spec)]

    expected, got = hits(), hits()
    keys_expected: set[str] = set()
    keys_got: set[str] = set()
    reference_record_context(expected, keys_expected)
    apply_record_context(got, keys_got)
    assert [(h.score, h.reasons) for h in got] == [(h.score, h.reasons) for h in expected]
    assert keys_got == keys_expected
