"""Spreadsheet extraction: headers under title rows, display of numbers, split numbers, limits."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.detect import load_engine
from scanner.errors import CorruptFile, LimitExceeded, ScanTimeout
from scanner.extract import ScanContext, Source, extract, sniff
from scanner.extract.spreadsheet import apply_zero_format, display, zero_format_pattern
from scanner.extract.tables import split_pairs
from scanner.limits import Deadline, ScanLimits
from scanner.model import TableBlock
from scanner.scan import scan_source
from tests.scanner import office_samples as samples


def _tables(name: str, data: bytes, limits: ScanLimits | None = None) -> list[TableBlock]:
    ctx = ScanContext(limits or ScanLimits(), Deadline(60))
    blocks = list(extract(Source.from_bytes(name, data), ctx))
    assert all(isinstance(b, TableBlock) for b in blocks)
    return [b for b in blocks if isinstance(b, TableBlock)]


def _cell(blocks: list[TableBlock], sheet: str, ref: str) -> str:
    col = ord(ref[0]) - ord("A")
    row = int(ref[1:])
    for b in blocks:
        if b.where == sheet and b.first_row <= row < b.first_row + len(b.rows):
            cells = b.rows[row - b.first_row]
            return cells[col] if col < len(cells) else ""
    raise AssertionError(f"{sheet}!{ref} not extracted")


def test_roster_on_second_sheet_under_title_rows() -> None:
    blocks = _tables("roster.xlsx", samples.xlsx_roster(3))
    roster = [b for b in blocks if b.where == "名簿" and b.headers]
    assert len(roster) == 1
    assert roster[0].headers[:3] == ["No", "氏名", "基礎年金番号(記号)"]
    assert roster[0].first_row == 4  # rows 1-2 titles, 3 blank, 4 header (kept, as CSV does)
    assert roster[0].rows[0] == roster[0].headers
    assert _cell(blocks, "表紙", "B2") == "年金受給者名簿（テスト用）"
    assert _cell(blocks, "名簿", "A1") == "被保険者名簿"


def test_numbers_shown_as_excel_shows_them() -> None:
    blocks = _tables("roster.xlsx", samples.xlsx_roster(2))
    assert _cell(blocks, "名簿", "A5") == "1"  # 1.0 loses ".0"
    assert _cell(blocks, "名簿", "F5") == "0123567890"  # "0000000000" restores the zero
    assert _cell(blocks, "名簿", "G5") == "9876543210"
    assert _cell(blocks, "名簿", "E5") == "昭和45年1月1日"


def test_split_pension_number_found_in_the_office_code_cell() -> None:
    # The sheet keeps its cells as they are (the 記号 cell shows 0123); detection joins the halves.
    blocks = _tables("roster.xlsx", samples.xlsx_roster(2))
    assert (_cell(blocks, "名簿", "C5"), _cell(blocks, "名簿", "D5")) == ("0123", "567890")
    result = scan_source(Source.from_bytes("roster.xlsx", samples.xlsx_roster(2)), load_engine())
    split = {(f.location, f.masked) for f in result.findings
             if f.detector == "pension_number" and f.location.startswith("名簿!C")}
    assert split == {("名簿!C5", "0123-****90"), ("名簿!C6", "0123-****91")}


def test_thousands_of_rows_keep_header_and_row_numbers() -> None:
    blocks = _tables("big.xlsx", samples.xlsx_roster(5000))
    body = [b for b in blocks if b.where == "名簿" and b.headers]
    assert len(body) >= 3  # chunked, each chunk carries the header
    assert all(b.headers[5] == "基礎年金番号" for b in body)
    assert sum(len(b.rows) for b in body) == 5001  # the header row and 5000 records
    assert _cell(blocks, "名簿", "A5004") == "5000"


def test_cell_position_follows_the_sheet_not_the_used_range() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["C5"] = "氏名"
    ws["D5"] = "年金番号"
    ws["C6"] = "山田"
    ws["D6"] = "1234-567890"
    out = io.BytesIO()
    wb.save(out)
    blocks = _tables("offset.xlsx", out.getvalue())
    assert _cell(blocks, "Sheet", "D6") == "1234-567890"
    assert blocks[-1].headers[2:4] == ["氏名", "年金番号"]


def test_sheet_protected_workbook_is_read() -> None:
    blocks = _tables("protected.xlsx", samples.xlsx_roster(1, sheet_protection=True))
    assert _cell(blocks, "名簿", "B5") == samples.FAKE_NAME


def test_legacy_xls_read_through_calamine() -> None:
    data = (samples.FIXTURES / "plain.xls").read_bytes()
    blocks = _tables("plain.xls", data)
    assert blocks and blocks[0].where == "Sheet1"


def test_ods_through_calamine() -> None:
    blocks = _tables("list.ods", samples.ods([["氏名", "年金番号"], ["山田", samples.FAKE_PENSION]]))
    assert blocks[0].headers == ["氏名", "年金番号"]
    assert _cell(blocks, "名簿", "B2") == samples.FAKE_PENSION


def test_max_cells_limit() -> None:
    with pytest.raises(LimitExceeded, match="max_cells"):
        _tables("big.xlsx", samples.xlsx_roster(200), ScanLimits(max_cells=100))


def test_deadline_stops_a_long_sheet() -> None:
    ctx = ScanContext(ScanLimits(), Deadline(-1))
    with pytest.raises(ScanTimeout):
        list(extract(Source.from_bytes("big.xlsx", samples.xlsx_roster(50)), ctx))


def test_truncated_xlsx_is_corrupt() -> None:
    data = samples.xlsx_roster(50)
    source = Source.from_bytes("cut.xlsx", data[: len(data) // 2])
    spec = sniff(source)
    assert spec is None or spec.name != "xlsx"  # no central directory: not sniffed as a workbook
    if spec is not None and spec.name == "zip":
        with pytest.raises(CorruptFile):
            list(extract(source, ScanContext(ScanLimits(), Deadline(60))))


def test_xlsx_with_broken_sheet_xml_is_corrupt() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(samples.xlsx_roster(1))) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data[:40] if item.filename == "xl/styles.xml" else data)
    with pytest.raises(CorruptFile):
        _tables("broken.xlsx", out.getvalue())


def test_csv_named_xlsx_is_not_a_workbook() -> None:
    spec = sniff(Source.from_bytes("list.xlsx", "氏名,年金番号\n山田,1234-567890\n".encode("cp932")))
    assert spec is not None and spec.name not in ("xlsx", "zip", "ods")


# --- display and formats -----------------------------------------------------------------


@given(st.integers(-(10**15), 10**15))
def test_integer_floats_lose_the_point_zero(n: int) -> None:
    assert display(float(n)) == str(n)


@given(st.integers(0, 10**12), st.integers(2, 14))
def test_zero_format_pads_to_its_width(n: int, width: int) -> None:
    out = apply_zero_format("0" * width, n)
    assert out.lstrip("0") == str(n).lstrip("0")
    assert len(out) == max(width, len(str(n)))


def test_zero_format_with_literal_dash() -> None:
    pattern = zero_format_pattern('0000"-"000000')
    assert pattern == "0000-000000"
    assert apply_zero_format(pattern, 123567890) == "0123-567890"
    assert zero_format_pattern("0000\\-000000") == "0000-000000"
    assert zero_format_pattern("#,##0") is None
    assert zero_format_pattern("0") is None
    assert zero_format_pattern("yyyy/mm/dd") is None


def test_split_pairs_need_headers_that_say_so() -> None:
    assert split_pairs(["氏名", "基礎年金番号(記号)", "基礎年金番号(番号)"]) == [(1, 2)]
    assert split_pairs(["記号", "番号"]) == [(0, 1)]
    assert split_pairs(["年金番号", ""]) == [(0, 1)]
    assert split_pairs(["商品記号", "受注番号"]) == []
    assert split_pairs(["電話", "FAX"]) == []


def test_padded_styles_by_regex_agree_with_the_xml_parser() -> None:
    import io
    import zipfile

    from scanner.extract.spreadsheet import _padded_styles, _padded_styles_parsed

    styles = zipfile.ZipFile(io.BytesIO(samples.xlsx_roster(3))).read("xl/styles.xml")
    fast = _padded_styles(io.BytesIO(styles))
    assert fast == _padded_styles_parsed(io.BytesIO(styles))
    assert set(fast.values()) >= {"0000", "0000000000"}  # the roster's two padded formats
    # Prefixed tags and attributes in another order read the same.
    odd = (b'<x:styleSheet xmlns:x="m"><x:numFmts><x:numFmt formatCode="000000" numFmtId="170"/></x:numFmts>'
           b'<x:cellXfs count="2"><x:xf numFmtId="0"/><x:xf applyNumberFormat="1" numFmtId="170"/></x:cellXfs>'
           b"</x:styleSheet>")
    assert _padded_styles(io.BytesIO(odd)) == {1: "000000"}
