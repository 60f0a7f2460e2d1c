"""Listings in plain text (a 帳票 saved as text, a list typed with spaces) are tables: the
header line gives each column its context however far below it a value sits."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scanner.extract.listing as listing
from agent import fakedata
from scanner.detect import Engine, load_engine
from scanner.detect.normalize import half_width
from scanner.extract import ScanContext, Source
from scanner.extract.listing import ListingReader, _header_lines, cut, header_columns
from scanner.extract.text import extract_text
from scanner.limits import Deadline, ScanLimits
from scanner.model import Confidence, TableBlock, TextBlock
from scanner.scan import scan_source

PEOPLE = fakedata.people(40, seed=4)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _medium_numbers(engine: Engine, text: str, limits: ScanLimits | None = None) -> set[str]:
    result = scan_source(Source.from_bytes("一覧.txt", text.encode("cp932")), engine, limits)
    return {f.location for f in result.findings if f.detector == "pension_number" and f.confidence >= Confidence.MEDIUM}


def test_a_listing_typed_with_full_width_spaces_is_headed(engine: Engine) -> None:
    # a name beside a plain ten-digit number is low on its own: the header makes it a pension number
    text = "被保険者一覧\n氏名　基礎年金番号\n" + "".join(f"{p.name}　{p.pension_number}\n" for p in PEOPLE)
    assert len(_medium_numbers(engine, text)) == 40  # was 18: only those within reach of the header


@pytest.mark.parametrize("width", ["full", "half"])
def test_a_mainframe_listing_headed_in_katakana_is_headed(engine: Engine, width: str) -> None:
    # ｼﾒｲ and ｷｿﾈﾝｷﾝﾊﾞﾝｺﾞｳ were no column words: only the numbers near the header were medium
    header = "バンゴウ  シメイ                セイネンガッピ  キソネンキンバンゴウ"
    rows = [f"{i:04d}  {p.surname_kana} {p.given_kana:<14}  S450102  {p.pension_number}" for i, p in enumerate(PEOPLE)]
    text = "\n".join([header, *rows]) + "\n"
    if width == "half":
        text = "".join(half_width(ch) or ch for ch in text)
    result = scan_source(Source.from_bytes("KOJIN.TXT", text.encode("cp932")), engine)
    numbers = [f for f in result.findings if f.detector == "pension_number"]
    assert len(numbers) == 40 and all(f.confidence == Confidence.HIGH for f in numbers)
    assert {(f.detector, f.confidence) for f in result.findings if f.detector == "birth_date"} == {
        ("birth_date", Confidence.HIGH)}  # S450102 under ｾｲﾈﾝｶﾞｯﾋﾟ


def test_an_aligned_report_keeps_each_name_in_its_column() -> None:
    header = " 番号  氏名                基礎年金番号    生年月日"
    row = f" 0001  {'山田　太郎':　<10}1234567890      S45.01.01"
    columns = header_columns(header)
    assert columns is not None and columns.labels == ["番号", "氏名", "基礎年金番号", "生年月日"]
    assert cut(row, columns) == ["0001", "山田　太郎", "1234567890", "S45.01.01"]


@pytest.mark.parametrize("line", ["山田　太郎様", "日時　令和6年4月1日", "Name  Number", "基礎年金番号"])
def test_lines_that_are_not_headers(line: str) -> None:
    assert header_columns(line) is None  # a name, a dated line, no column word, one label


def test_a_letter_stays_text_exactly() -> None:
    letter = "山田　太郎様\n\n基礎年金番号　1234-567890\n住所　東京都千代田区\n電話　03-1234-5678\n以上\n"
    blocks = list(ListingReader().blocks(letter, 1))
    assert blocks == [TextBlock(letter, where="", first_line=1)]


def test_text_around_a_listing_keeps_its_characters_and_lines() -> None:
    text = "前書き\n\n番号　氏名\n1　山田\n2　佐藤\n3　鈴木\n\n後書き\n"
    blocks = list(ListingReader().blocks(text, 10))
    assert [(type(b).__name__, getattr(b, "first_line", None) or b.first_row) for b in blocks] == [
        ("TextBlock", 10), ("TableBlock", 12), ("TextBlock", 16)]
    assert blocks[0].text == "前書き\n\n" and blocks[2].text == "\n後書き\n"
    assert blocks[1].rows == [["番号", "氏名"], ["1", "山田"], ["2", "佐藤"], ["3", "鈴木"]]


def test_a_listing_cut_by_a_chunk_goes_on_under_its_header(engine: Engine) -> None:
    text = "氏名　基礎年金番号\n" + "".join(f"{p.name}　{p.pension_number}\n" for p in PEOPLE)
    limits = dataclasses.replace(ScanLimits(), text_chunk_chars=400)  # several chunks
    blocks = list(extract_text(Source.from_bytes("一覧.txt", text.encode("cp932")),
                               ScanContext(limits, Deadline(30))))
    assert len(blocks) >= 2 and all(isinstance(b, TableBlock) for b in blocks)
    assert blocks[1].first_row > 2 and blocks[1].rows[0][0] != "氏名"  # the next chunk: rows only
    assert all(b.headers == ["氏名", "基礎年金番号"] for b in blocks if isinstance(b, TableBlock))
    assert len(_medium_numbers(engine, text, limits)) == 40


def test_many_header_like_lines_cost_a_small_look_each(monkeypatch: pytest.MonkeyPatch) -> None:
    # a crafted file of header-like lines between one-field lines: each is judged on the few
    # rows after it, not on all of them (which would be a square of the file's lines)
    from scanner.extract import listing

    calls = 0
    real_cut = listing.cut

    def counting_cut(line: str, columns: listing.Columns) -> list[str]:
        nonlocal calls
        calls += 1
        return real_cut(line, columns)

    monkeypatch.setattr(listing, "cut", counting_cut)
    pairs = 2000
    blocks = list(ListingReader().blocks("番号　氏名\nx\n" * pairs, 1))
    assert [type(b) for b in blocks] == [TextBlock]  # no listing: the rows fill one column
    assert calls <= pairs * 10


_PIECES = ["番号", "氏名", "No", "備考", "山田", "x", "1", "  ", "\t", "\u3000", " ", "\n", "\r\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=200))
def test_header_lines_are_the_lines_header_columns_accepts(pieces: list[str]) -> None:
    # _header_lines only looks at some lines, for speed: it must find what looking at every line finds
    chunk = "".join(pieces)
    every_line = [(n, header_columns(line.removesuffix("\r"))) for n, line in enumerate(chunk.split("\n"))]
    expected = [(n, columns) for n, columns in every_line if columns is not None]
    for few_breaks in (0, 10**9):  # lines found from their column words, and from their breaks
        with _few_breaks(few_breaks):
            assert _header_lines(chunk) == expected


@contextlib.contextmanager
def _few_breaks(value: int) -> Iterator[None]:
    saved = listing._FEW_BREAKS
    listing._FEW_BREAKS = value
    try:
        yield
    finally:
        listing._FEW_BREAKS = saved


def test_a_form_typed_as_text_is_read_line_by_line_not_as_a_listing(engine: Engine) -> None:
    # 氏名　　山田　太郎 looked like a header (three labels, one a column word), the lines under
    # it were cut into its columns: 基礎年金番号 fell apart and the number beside it was low
    text = ("年金請求書\n\n氏名　　山田　太郎\n生年月日　　昭和45年1月2日\n基礎年金番号　　1234567890\n"
            "住所　　東京都架空区1-2-3\n")
    result = scan_source(Source.from_bytes("form.txt", text.encode("utf-8")), engine)
    found = {(f.detector, f.location, f.masked, f.confidence) for f in result.findings}
    assert found == {("person_name", "line 3", "山* **", Confidence.HIGH),
                     ("birth_date", "line 4", "19**-**-**", Confidence.HIGH),
                     ("pension_number", "line 5", "1234-****90", Confidence.HIGH)}
    assert result.pension_records == 1
