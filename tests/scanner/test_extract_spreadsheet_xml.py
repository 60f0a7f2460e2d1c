"""XML Spreadsheet 2003 exports: worksheets read as tables under their header rows."""

from __future__ import annotations

import pytest

from scanner.detect import Engine, load_engine
from scanner.extract import Source
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
