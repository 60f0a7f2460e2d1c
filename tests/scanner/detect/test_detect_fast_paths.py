"""Fast paths give what the plain definitions give (the definitions are kept here)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import regex
from hypothesis import given
from hypothesis import strategies as st

from scanner.detect.names import VARIANT_KANJI, normalize_name, to_katakana
from scanner.detect.normalize import normalize_cell
from scanner.detect.validators import birth_date, pension_number_shape

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
        w = _WESTERN_DATE.search(value)
        found = _date(int(w["y"]), int(w["m"]), int(w["d"])) if w else None
    if found is None or not dt.date(1868, 1, 25) <= found <= dt.date.today():
        return None
    return found.isoformat()


DATEISH = st.text(st.sampled_from("明治大正昭和平成令和元年月日MTSHRmtshrſ0123456789./- "), max_size=16)
YEARS = st.integers(min_value=1, max_value=70).map(str)


@given(st.one_of(DATEISH, st.builds(lambda e, y, m, d: f"{e}{y}年{m}月{d}日", st.sampled_from(list(_ERAS) + list(_ALIASES)),
                                    YEARS, st.integers(1, 13), st.integers(1, 32)),
                 st.dates(max_value=dt.date(2100, 1, 1)).map(lambda d: d.strftime("%Y/%m/%d"))))
def test_birth_date_matches_reference(text: str) -> None:
    assert birth_date(text) == reference_birth_date(text)


@given(st.text(st.sampled_from("0123456789-  ０"), max_size=14))
def test_pension_shape_keeps_digits_only(text: str) -> None:
    digits = "".join(c for c in text if "0" <= c <= "9")
    expected = None if len(digits) != 10 or len(set(digits)) == 1 else f"{digits[:4]}-{digits[4:]}"
    assert pension_number_shape(text) == expected


# --- column batches: a table column searched as one string gives each cell's own answer ---

from functools import cache  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from scanner.detect import Engine, load_engine  # noqa: E402
from scanner.detect.engine import Engine as _Engine  # noqa: E402
from scanner.detect.finders import PatternFinder, _separator_blind  # noqa: E402
from scanner.detect.normalize import normalize_cells  # noqa: E402
from scanner.model import TableBlock  # noqa: E402

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
    r"\.\-\(\)", r"[明大昭]",
])
def test_separator_blind_patterns(source: str) -> None:
    assert _separator_blind(re.compile(source))


@pytest.mark.parametrize("source", [
    r"^[0-9]{4}", r"[0-9]{4}$", r"[0-9].[0-9]", r"(?<![^0-9])[0-9]", r"\s[0-9]", r"\W", r"\D", r"\b1", r"\x1f",
    r"[\1-9]", r"(?i)tel", r"(?s)a", "a\x1fb", r"\p{Han}", r"[[:alpha:]]", r"(?>a)", r"\N{DIGIT ONE}",
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
