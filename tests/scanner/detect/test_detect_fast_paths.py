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
