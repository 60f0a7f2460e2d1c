"""CSV the csv module cannot parse to the end: what parsed is a table, the rest is read as
text, nothing is dropped; CR-only line ends (a "CSV (Macintosh)" export) are line ends."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.detect import load_engine
from scanner.extract import ScanContext, Source
from scanner.extract.csv_feed import LineFeed, LineTooLong
from scanner.extract.text import extract_csv
from scanner.limits import Deadline, ScanLimits
from scanner.model import Outcome, PartNote, TableBlock, TextBlock
from scanner.scan import scan_source

HEADER = "氏名,フリガナ,基礎年金番号\n"
ROWS = "".join(f"架空{i},カクウ,{1000 + i}-{100000 + i}\n" for i in range(40))
LIMITS = ScanLimits(text_chunk_chars=4096)  # lines over 16,384 characters are not table lines


def blocks(data: str, name: str = "roster.csv") -> list[TableBlock | TextBlock | PartNote]:
    return list(extract_csv(Source.from_bytes(name, data.encode("cp932")), ScanContext(LIMITS, Deadline(30))))


def test_rows_before_a_runaway_line_are_a_table_and_the_rest_is_text() -> None:
    data = HEADER + ROWS + "備考," + "あ" * 20_000 + "\n" + "基礎年金番号 9999-123456 架空太郎様\n"
    out = blocks(data)
    tables = [b for b in out if isinstance(b, TableBlock)]
    assert sum(len(t.rows) for t in tables) == 41 and tables[0].headers == ["氏名", "フリガナ", "基礎年金番号"]
    texts = [b for b in out if isinstance(b, TextBlock)]
    assert texts[0].first_line == 42 and texts[0].text.startswith("備考,あ")
    assert "".join(t.text for t in texts).endswith("基礎年金番号 9999-123456 架空太郎様\n")
    [note] = [b for b in out if isinstance(b, PartNote)]
    assert (note.outcome, note.read_anyway) == (Outcome.ERROR, True)
    assert "line 42" in note.reason and "read as plain text from line 42" in note.reason


def test_a_number_after_the_runaway_line_is_found_and_the_file_says_so() -> None:
    data = HEADER + ROWS + "備考," + "あ" * 20_000 + "\n" + "基礎年金番号 9999-123456 架空太郎様\n"
    result = scan_source(Source.from_bytes("roster.csv", data.encode("cp932")), load_engine(), LIMITS)
    pension = {f.masked: f for f in result.findings if f.detector == "pension_number"}
    assert len(pension) == 41 and pension["9999-****56"].location == "line 43"
    assert pension["1000-****00"].location == "C2"
    assert result.outcome == Outcome.FINDINGS
    assert result.reason.startswith("read with problems: the file (csv: a line longer than 16384 characters")


def test_a_mac_csv_with_only_cr_line_ends_is_a_table_with_its_header() -> None:
    data = (HEADER + ROWS).replace("\n", "\r") + '"二行の\r備考",カクウ,2000-200000\r'
    out = blocks(data)
    assert not [b for b in out if isinstance(b, (TextBlock, PartNote))]
    [table] = [b for b in out if isinstance(b, TableBlock)]
    assert table.headers == ["氏名", "フリガナ", "基礎年金番号"]
    assert table.rows[1] == ["架空0", "カクウ", "1000-100000"]
    assert table.rows[-1] == ["二行の\n備考", "カクウ", "2000-200000"]  # a lone CR reads as LF


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "b,", "\r", "\n", "\r\n", "あ"]), max_size=40), st.integers(1, 7))
def test_line_feed_loses_nothing_and_never_splits_a_crlf(parts: list[str], piece: int) -> None:
    text = "".join(parts)
    feed = LineFeed((text[i:i + piece] for i in range(0, len(text), piece)), max_chars=1000)
    lines = list(feed.lines())
    as_lf = re.sub(r"\r(?!\n)", "\n", text)  # however the pieces cut it: a CRLF stays one line end
    assert lines == re.findall(r"[^\n]*\n|[^\n]+\Z", as_lf)


def test_line_feed_remainder_is_the_unfinished_record_and_everything_after() -> None:
    feed = LineFeed(iter(["a,b\n", '1,"open\nquote', "x" * 50, "\nlast\n"]), max_chars=20)
    lines = feed.lines()
    assert next(lines) == "a,b\n"
    feed.record.clear()  # row a,b was used
    assert next(lines) == '1,"open\n'
    with pytest.raises(LineTooLong):
        next(lines)
    assert feed.record_line() == 2
    assert "".join(feed.remainder()) == '1,"open\nquote' + "x" * 50 + "\nlast\n"


def test_a_cr_held_at_a_piece_end_is_in_the_remainder() -> None:
    feed = LineFeed(iter(["a,b\n", "x" * 30 + "\r", "next\n"]), max_chars=20)
    lines = feed.lines()
    assert next(lines) == "a,b\n"
    feed.record.clear()
    with pytest.raises(LineTooLong):
        next(lines)
    assert "".join(feed.remainder()) == "x" * 30 + "\r" + "next\n"
