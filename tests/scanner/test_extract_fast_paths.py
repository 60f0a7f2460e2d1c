"""Extraction fast paths give what the plain definitions give."""

from __future__ import annotations

import csv

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.extract.text import _DELIMITERS, _DelimiterSniffer

# Lines of cells with the candidate delimiters, quotes, spaces and a few other characters.
_CELL = st.text(st.sampled_from('ab1２氏名 "\':-'), max_size=6)
_LINE = st.builds(lambda cells, sep: sep.join(cells), st.lists(_CELL, min_size=1, max_size=6),
                  st.sampled_from([",", "\t", ";", "|", ", ", ":", " "]))
_SAMPLE = st.one_of(
    st.lists(_LINE, max_size=25).map("\n".join),
    st.text(st.sampled_from(',\t;|" ab\n:'), max_size=200),
)


def _sniffed(sniffer: csv.Sniffer, sample: str, delimiters: str | None) -> object:
    try:
        d = sniffer.sniff(sample, delimiters=delimiters)
    except csv.Error as exc:
        return str(exc)
    return d.delimiter, d.quotechar, d.doublequote, d.skipinitialspace, d.lineterminator, d.quoting


@settings(max_examples=500)
@given(_SAMPLE, st.sampled_from([_DELIMITERS, ",;", "\t", None]))
def test_delimiter_sniffer_matches_csv_sniffer(sample: str, delimiters: str | None) -> None:
    assert _sniffed(_DelimiterSniffer(), sample, delimiters) == _sniffed(csv.Sniffer(), sample, delimiters)


def test_delimiter_sniffer_on_a_roster_head() -> None:
    rows = ["氏名,フリガナ,生年月日,基礎年金番号,住所"] + [f"山田　太郎,ヤマダ　タロウ,昭和46年12月{i}日,2822-47920{i},東京都{i}"
                                               for i in range(1, 10)] * 2
    sample = "\n".join(rows)
    assert _sniffed(_DelimiterSniffer(), sample, _DELIMITERS) == _sniffed(csv.Sniffer(), sample, _DELIMITERS)


@given(st.text(st.sampled_from("氏名0１²٣a- \u3000"), max_size=45))
def test_is_label_counts_digits_as_str_isdigit(cell: str) -> None:
    from scanner.extract.tables import is_label

    text = cell.strip()
    expected = bool(text) and len(text) <= 40 and sum(ch.isdigit() for ch in text) * 3 <= len(text)
    assert is_label(cell) == expected
