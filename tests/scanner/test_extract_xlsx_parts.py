"""An xlsx beyond its cells: comments, text boxes and pivot caches hold PII too."""

from __future__ import annotations

import io

import openpyxl
import pytest
from openpyxl.comments import Comment

from scanner.detect import Engine, load_engine
from scanner.extract import Source
from scanner.model import Confidence, Outcome, ScanResult
from scanner.scan import scan_source
from tests.scanner import office_samples as samples

S = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
XDR = 'xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"'


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _workbook(comment: str | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "集計"
    ws.append(["区分", "人数"])
    ws.append(["厚生年金", 12])
    if comment:
        ws["B2"].comment = Comment(comment, "事務担当")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _scan(engine: Engine, data: bytes) -> ScanResult:
    return scan_source(Source.from_bytes("集計.xlsx", data), engine)


def _pension(result: ScanResult) -> set[tuple[str, str]]:
    return {(f.location, f.masked) for f in result.findings
            if f.detector == "pension_number" and f.confidence >= Confidence.MEDIUM}


def test_a_cell_comment_is_read(engine: Engine) -> None:
    result = _scan(engine, _workbook("山田 太郎 様 基礎年金番号 1234-567890 確認済"))
    assert result.outcome == Outcome.FINDINGS
    assert {masked for _, masked in _pension(result)} == {"1234-****90"}
    assert all(location.startswith("xl/comments") for location, _ in _pension(result))


def test_a_text_box_is_read(engine: Engine) -> None:
    drawing = (f'<xdr:wsDr {XDR} {A}><xdr:twoCellAnchor><xdr:sp><xdr:txBody><a:p><a:r>'
               "<a:t>基礎年金番号 2345-678901 佐藤 花子</a:t></a:r></a:p></xdr:txBody></xdr:sp>"
               "</xdr:twoCellAnchor></xdr:wsDr>")
    result = _scan(engine, samples.with_parts(_workbook(), {"xl/drawings/drawing1.xml": drawing}))
    assert _pension(result) == {("xl/drawings/drawing1.xml:line 1", "2345-****01")}


def test_a_pivot_cache_keeps_the_deleted_source_rows_with_their_headers(engine: Engine) -> None:
    definition = (f'<pivotCacheDefinition {S} recordCount="2"><cacheFields count="3">'
                  '<cacheField name="氏名"><sharedItems><s v="山田 太郎"/><s v="佐藤 花子"/></sharedItems></cacheField>'
                  '<cacheField name="基礎年金番号"><sharedItems containsNumber="1"/></cacheField>'
                  '<cacheField name="区分"><sharedItems><s v="厚生年金"/></sharedItems></cacheField>'
                  "</cacheFields></pivotCacheDefinition>")
    records = (f'<pivotCacheRecords {S} count="2">'
               '<r><x v="0"/><n v="1234567890"/><x v="0"/></r><r><x v="1"/><s v="2345-678901"/><x v="0"/></r>'
               "</pivotCacheRecords>")
    data = samples.with_parts(_workbook(), {"xl/pivotCache/pivotCacheDefinition1.xml": definition,
                                     "xl/pivotCache/pivotCacheRecords1.xml": records})
    result = _scan(engine, data)
    where = "xl/pivotCache/pivotCacheDefinition1.xml (pivot cache)"
    assert _pension(result) == {(f"{where}!B1", "1234-****90"), (f"{where}!B2", "2345-****01")}
    names = {f.masked for f in result.findings if f.detector == "person_name"}
    assert names == {"山* **", "佐* **"}


def test_a_pivot_cache_joins_a_number_split_over_kigou_and_bangou(engine: Engine) -> None:
    # the source sheet held 記号 | 番号 as two numeric columns; the cache keeps them apart
    definition = (f'<pivotCacheDefinition {S} recordCount="1"><cacheFields count="3">'
                  '<cacheField name="氏名"><sharedItems><s v="山田 太郎"/></sharedItems></cacheField>'
                  '<cacheField name="年金記号"><sharedItems containsNumber="1"/></cacheField>'
                  '<cacheField name="年金番号"><sharedItems containsNumber="1"/></cacheField>'
                  "</cacheFields></pivotCacheDefinition>")
    records = f'<pivotCacheRecords {S} count="1"><r><x v="0"/><n v="123"/><n v="45678"/></r></pivotCacheRecords>'
    data = samples.with_parts(_workbook(), {"xl/pivotCache/pivotCacheDefinition1.xml": definition,
                                     "xl/pivotCache/pivotCacheRecords1.xml": records})
    where = "xl/pivotCache/pivotCacheDefinition1.xml (pivot cache)"
    assert _pension(_scan(engine, data)) == {(f"{where}!B1", "0123-****78")}


def test_a_broken_extra_part_is_named_and_the_cells_stand(engine: Engine) -> None:
    roster = samples.xlsx_from_rows({"名簿": [["氏名", "基礎年金番号"], ["山田 太郎", "1234-567890"]]})
    result = _scan(engine, samples.with_parts(roster, {"xl/drawings/drawing1.xml": "<xdr:wsDr"}))
    assert result.outcome == Outcome.FINDINGS
    assert [(p.where, p.outcome) for p in result.parts] == [("xl/drawings/drawing1.xml", Outcome.ERROR)]


def _external_link(sheet: str, rows: list[list[tuple[str, str]]]) -> str:
    cells = "".join(f'<row r="{r}">' + "".join(f'<cell r="{ref}" t="str"><v>{v}</v></cell>' for ref, v in row)
                    + "</row>" for r, row in enumerate(rows, start=1))
    return (f'<externalLink {S}><externalBook><sheetNames><sheetName val="{sheet}"/></sheetNames>'
            f'<sheetDataSet><sheetData sheetId="0">{cells}</sheetData></sheetDataSet></externalBook></externalLink>')


def test_a_linked_rosters_cached_cells_are_read_under_their_header(engine: Engine) -> None:
    # a summary that VLOOKUPs into 名簿.xlsx carries the roster's cells it looked at
    link = _external_link("名簿", [[("A1", "氏名"), ("C1", "基礎年金番号")], [("A2", "山田 太郎"), ("C2", "1234-567890")],
                                   [("A3", "佐藤 花子"), ("C3", "2345678901")]])
    result = _scan(engine, samples.with_parts(_workbook(), {"xl/externalLinks/externalLink1.xml": link}))
    where = "xl/externalLinks/externalLink1.xml (linked 名簿)"
    assert _pension(result) == {(f"{where}!C2", "1234-****90"), (f"{where}!C3", "2345-****01")}


def test_a_linked_cache_out_past_its_columns_is_named(engine: Engine) -> None:
    link = _external_link("名簿", [[("A1", "基礎年金番号 1234-567890"), ("ZZZ1", "x")]])
    result = _scan(engine, samples.with_parts(_workbook(), {"xl/externalLinks/externalLink1.xml": link}))
    assert _pension(result) == {("xl/externalLinks/externalLink1.xml (linked 名簿)!A1", "1234-****90")}
    assert [(p.where, p.outcome) for p in result.parts] == [("xl/externalLinks/externalLink1.xml",
                                                              Outcome.LIMIT_EXCEEDED)]
