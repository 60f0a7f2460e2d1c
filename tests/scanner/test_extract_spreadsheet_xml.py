"""XML Spreadsheet 2003 exports: worksheets read as tables under their header rows."""

from __future__ import annotations

import pytest

from scanner.detect import Engine, load_engine
from scanner.extract import Source
from scanner.limits import ScanLimits
from scanner.model import Confidence, Outcome
from scanner.scan import scan_source

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">')


def _cell(value: str, index: int | None = None) -> str:
    at = f' ss:Index="{index}"' if index else ""
    return f'<Cell{at}><Data ss:Type="String">{value}</Data></Cell>'


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def test_rows_keep_their_header_and_skipped_columns(engine: Engine) -> None:
    rows = "".join(f"<Row>{_cell(f'架空 {i}郎')}{_cell(f'{1000 + i}{567000 + i:06d}', index=3)}</Row>"
                   for i in range(200))
    sheet = (f'<Worksheet ss:Name="名簿"><Table><Row>{_cell("受給者名簿")}</Row><Row ss:Index="3">'
             f'{_cell("氏名")}{_cell("備考")}{_cell("基礎年金番号")}</Row>{rows}</Table></Worksheet>')
    data = (HEAD + '<Worksheet ss:Name="表紙"><Table><Row>' + _cell("表紙") + "</Row></Table></Worksheet>"
            + sheet + "</Workbook>").encode()
    result = scan_source(Source.from_bytes("export.xls", data), engine)
    assert result.file_type == "xml-spreadsheet" and result.outcome == Outcome.FINDINGS
    found = {(f.location, Confidence.from_score(f.score)) for f in result.findings if f.detector == "pension_number"}
    assert len(found) == 200 and ("名簿!C203", Confidence.HIGH) in found


def test_malformed_xml_is_an_error(engine: Engine) -> None:
    result = scan_source(Source.from_bytes("broken.xml", (HEAD + "<Worksheet><Table><Row>").encode()), engine)
    assert result.outcome == Outcome.ERROR and "malformed" in result.reason


def _roster(rows: int) -> str:
    body = "".join(f"<Row>{_cell(f'架空 {i}郎')}{_cell(f'{1000 + i % 9000}-{567000 + i:06d}')}</Row>"
                   for i in range(rows))
    return f'<Worksheet ss:Name="名簿"><Table><Row>{_cell("氏名")}{_cell("基礎年金番号")}</Row>{body}'


def test_a_sheet_is_read_as_it_is_parsed(engine: Engine) -> None:
    """Rows reach the engine block by block while the sheet is parsed, not once it ends: an
    export cut off midway still has its first blocks read before the damage is named."""
    data = (HEAD + _roster(5000)).encode()  # no </Table></Worksheet></Workbook>: cut off
    result = scan_source(Source.from_bytes("export.xml", data[: len(data) - 100]), engine)
    assert result.outcome == Outcome.FINDINGS and "malformed XML" in result.reason  # the unread rest is named
    found = {f.location for f in result.findings if f.detector == "pension_number"}
    assert {"名簿!B2", "名簿!B2001", "名簿!B4000"} <= found  # the blocks of 2,000 rows before the cut


def test_a_sheet_over_max_cells_is_limit_exceeded(engine: Engine) -> None:
    data = (HEAD + _roster(200) + "</Table></Worksheet></Workbook>").encode()
    result = scan_source(Source.from_bytes("export.xml", data), engine, ScanLimits(max_cells=100))
    assert result.outcome == Outcome.LIMIT_EXCEEDED and "max_cells" in result.reason


def test_a_dtd_is_refused_not_expanded(engine: Engine) -> None:
    """A billion-laughs DTD: refused as defusedxml refuses it, and named, not expanded."""
    laughs = ('<!DOCTYPE Workbook [<!ENTITY a "1234-567890">'
              + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi", strict=True))
              + "]>")
    data = (HEAD.replace("<Workbook", laughs + "<Workbook", 1) + _roster(3)
            + f"<Row>{_cell('&i;')}</Row></Table></Worksheet></Workbook>").encode()
    result = scan_source(Source.from_bytes("export.xml", data), engine)
    assert result.outcome == Outcome.ERROR and "DTD" in result.reason


def test_rich_text_in_a_cell_is_one_value(engine: Engine) -> None:
    """Excel writes a cell with mixed fonts as html:Font runs inside ss:Data."""
    rich = ('<Cell><ss:Data ss:Type="String" xmlns="http://www.w3.org/TR/REC-html40">'
            '<Font html:Color="#FF0000" xmlns:html="http://www.w3.org/TR/REC-html40">1234</Font>-567890'
            '</ss:Data></Cell>')
    data = (HEAD + _roster(0) + f"<Row>{_cell('山田 太郎')}{rich}</Row></Table></Worksheet></Workbook>").encode()
    result = scan_source(Source.from_bytes("export.xml", data), engine)
    assert [(f.location, f.masked) for f in result.findings if f.detector == "pension_number"] == [
        ("名簿!B2", "1234-****90")]


@pytest.mark.parametrize(("declared", "codec", "name"), [
    ("Shift_JIS", "cp932", "髙橋　一郎①"),  # characters only CP932 has, as Japanese software writes them
    ("Windows-31J", "cp932", "髙橋　一郎"),
    ("EUC-JP", "euc-jp", "高橋　一郎"),
])
def test_an_export_declared_in_a_japanese_encoding(engine: Engine, declared: str, codec: str, name: str) -> None:
    """Business systems write SpreadsheetML in Shift_JIS or EUC-JP, which expat cannot read by itself."""
    head = HEAD.replace('encoding="UTF-8"', f'encoding="{declared}"')
    data = (head + _roster(0) + f"<Row>{_cell(name)}{_cell('1234-567890')}</Row>"
            + "</Table></Worksheet></Workbook>").encode(codec)
    result = scan_source(Source.from_bytes("export.xml", data), engine)
    found = {(f.detector, f.location) for f in result.findings}
    assert {("pension_number", "名簿!B2"), ("person_name", "名簿!A2")} <= found


@pytest.mark.parametrize(("declared", "data", "reason"), [
    ("x-klingon", "", "unknown encoding"),
    ("Shift_JIS", "\udc81 ", "not in its declared encoding"),  # a lead byte with no second byte
])
def test_an_unreadable_declared_encoding_is_named(engine: Engine, declared: str, data: str, reason: str) -> None:
    head = HEAD.replace('encoding="UTF-8"', f'encoding="{declared}"')
    raw = (head + _roster(0) + f"<Row>{_cell(data)}{_cell('1234-567890')}</Row></Table></Worksheet></Workbook>"
           ).encode("utf-8", "surrogateescape")
    result = scan_source(Source.from_bytes("export.xml", raw), engine)
    assert result.outcome == Outcome.ERROR and reason in result.reason
