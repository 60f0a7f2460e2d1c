"""An xlsx beyond its cells: comments, text boxes and pivot caches hold PII too."""

from __future__ import annotations

import io

import openpyxl
import pytest
from openpyxl.comments import Comment

from scanner.detect import Engine, load_engine
from scanner.extract import ScanContext, Source
from scanner.extract.xlsx_parts import extra_blocks
from scanner.limits import Deadline, ScanLimits
from scanner.model import Confidence, Outcome, PartNote, ScanResult, TableBlock
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


# --- pivot caches and external links read row by row ---------------------------------------

DEFINITION = "xl/pivotCache/pivotCacheDefinition1.xml"
RECORDS = "xl/pivotCache/pivotCacheRecords1.xml"
LINK = "xl/externalLinks/externalLink1.xml"
PIVOT = f"{DEFINITION} (pivot cache)"


def _definition(fields: list[tuple[str, list[str]]]) -> str:
    cache_fields = "".join(f'<cacheField name="{name}"><sharedItems>' + "".join(f'<s v="{v}"/>' for v in items)
                           + "</sharedItems></cacheField>" for name, items in fields)
    return f'<pivotCacheDefinition {S}><cacheFields count="{len(fields)}">{cache_fields}</cacheFields></pivotCacheDefinition>'


def _records(rows: int) -> str:
    body = "".join(f'<r><x v="{i % 2}"/><s v="{1000 + i % 9000}-{567000 + i:06d}"/></r>' for i in range(rows))
    return f'<pivotCacheRecords {S} count="{rows}">{body}'  # closed by the caller, or cut off


def _roster_pivot(records: str) -> bytes:
    return samples.with_parts(_workbook(), {DEFINITION: _definition([("氏名", ["山田 太郎", "佐藤 花子"]),
                                                                      ("基礎年金番号", [])]),
                                            RECORDS: records})


def _extra(data: bytes, limits: ScanLimits | None = None) -> list[TableBlock | PartNote]:
    ctx = ScanContext(limits=limits or ScanLimits(), deadline=Deadline(60))
    return [b for b in extra_blocks(Source.from_bytes("集計.xlsx", data), ctx) if isinstance(b, TableBlock | PartNote)]


def _rows(blocks: list[TableBlock | PartNote], where: str) -> list[tuple[int, list[str]]]:
    return [(b.first_row + i, row) for b in blocks if isinstance(b, TableBlock) and b.where == where
            for i, row in enumerate(b.rows)]


def test_pivot_records_mix_shared_item_indexes_and_inline_values() -> None:
    definition = (f'<pivotCacheDefinition {S}><cacheFields count="4">'
                  '<cacheField name="氏名"><sharedItems><s v="山田 太郎"/><s v="佐藤 花子"/><m/></sharedItems></cacheField>'
                  '<cacheField name="基礎年金番号"><sharedItems containsNumber="1"/></cacheField>'
                  '<cacheField name="区分"><sharedItems><s v="厚生年金"/><s v="国民年金"/></sharedItems></cacheField>'
                  '<cacheField name="生年月日"><sharedItems containsDate="1"><d v="1960-04-01T00:00:00"/>'
                  "</sharedItems></cacheField></cacheFields></pivotCacheDefinition>")
    records = (f'<pivotCacheRecords {S} count="5">'
               '<r><x v="1"/><n v="1234567890"/><x v="0"/><x v="0"/></r>'
               '<r><s v="鈴木 一郎"/><s v="2345-678901"/><x v="1"/><d v="1971-02-03T00:00:00"/></r>'
               '<r><x v="2"/><m/><x v="9"/><x v="-1"/></r>'  # a blank shared item, indexes out of range
               '<r><x v="0"/><b v="1"/><e v="#N/A"/><m/><x v="7"/></r>'  # a value past the last field: as written
               '<r><s v="高橋 次郎"><tpls c="1"><tpl fld="0" item="1"/></tpls><x v="1"/></s><n v="3456789012"/>'
               "</r></pivotCacheRecords>")  # an OLAP tuple inside a value is not a value of its own
    blocks = _extra(samples.with_parts(_workbook(), {DEFINITION: definition, RECORDS: records}))
    assert [(b.headers, b.first_row) for b in blocks if isinstance(b, TableBlock)] == [
        (["氏名", "基礎年金番号", "区分", "生年月日"], 1)]
    assert _rows(blocks, PIVOT) == [
        (1, ["佐藤 花子", "1234567890", "厚生年金", "1960-04-01T00:00:00"]),
        (2, ["鈴木 一郎", "2345-678901", "国民年金", "1971-02-03T00:00:00"]),
        (3, ["", "", "", ""]),
        (4, ["山田 太郎", "1", "#N/A", "", "7"]),
        (5, ["高橋 次郎", "3456789012"]),
    ]


def test_a_pivot_cache_without_records_lists_each_fields_items() -> None:
    blocks = _extra(samples.with_parts(_workbook(), {DEFINITION: _definition([("氏名", ["山田 太郎", "佐藤 花子"]),
                                                                              ("区分", []), ("種別", ["老齢"])])}))
    assert [(b.where, b.headers, b.rows) for b in blocks if isinstance(b, TableBlock)] == [
        (f"{PIVOT}!氏名", ["氏名"], [["山田 太郎"], ["佐藤 花子"]]), (f"{PIVOT}!種別", ["種別"], [["老齢"]])]


def test_pivot_records_are_read_as_they_are_parsed(engine: Engine) -> None:
    """A records part cut off midway: the blocks before the cut are read, the damage named."""
    records = _records(5000)
    result = _scan(engine, _roster_pivot(records[: len(records) - 100]))
    assert result.outcome == Outcome.FINDINGS
    assert [(p.where, p.outcome) for p in result.parts] == [(DEFINITION, Outcome.ERROR)]
    assert "malformed XML" in result.parts[0].reason
    found = {location for location, _ in _pension(result)}
    assert {f"{PIVOT}!B1", f"{PIVOT}!B2000", f"{PIVOT}!B4000"} <= found


def test_pivot_records_over_max_cells_are_limit_exceeded(engine: Engine) -> None:
    data = _roster_pivot(_records(200) + "</pivotCacheRecords>")
    assert len(_rows(_extra(data, ScanLimits(max_cells=400)), PIVOT)) == 200  # 400 cells: at the limit
    result = scan_source(Source.from_bytes("集計.xlsx", data), engine, ScanLimits(max_cells=399))
    assert result.outcome == Outcome.LIMIT_EXCEEDED and "max_cells (399)" in result.reason


def _laughs(root: str) -> str:
    """A billion-laughs DTD before ``root``: defusedxml refused it, and so must the port."""
    return (f'<!DOCTYPE {root} [<!ENTITY a "1234-567890">'
            + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi", strict=True))
            + "]>")


@pytest.mark.parametrize("part", [DEFINITION, RECORDS])
def test_a_dtd_in_a_pivot_part_is_refused_not_expanded(engine: Engine, part: str) -> None:
    in_definition = part == DEFINITION  # the number is an entity of the part that declares it
    definition = _definition([("氏名", ["山田 太郎"]), ("基礎年金番号", ["&i;" if in_definition else "-"])])
    number = '<x v="0"/>' if in_definition else '<s v="&i;"/>'
    records = _records(3) + f'<r><x v="0"/>{number}</r></pivotCacheRecords>'
    if in_definition:
        definition = _laughs("pivotCacheDefinition") + definition
    else:
        records = _laughs("pivotCacheRecords") + records
    result = _scan(engine, samples.with_parts(_workbook(), {DEFINITION: definition, RECORDS: records}))
    assert [(p.where, p.outcome) for p in result.parts] == [(DEFINITION, Outcome.ERROR)]
    assert "DTD" in result.parts[0].reason
    assert not _pension(result)


def test_linked_rows_keep_their_numbers_columns_and_first_values() -> None:
    link = (f'<externalLink {S}><externalBook><sheetNames><sheetName val="表紙"/><sheetName val="名簿"/></sheetNames>'
            '<sheetDataSet><sheetData sheetId="1">'
            '<row r="1"><cell r="A1" t="str"><v>氏名</v></cell><cell r="C1" t="str"><v>基礎年金番号</v></cell></row>'
            '<row r="4"><cell r="A4" t="str"><v>山田 太郎</v></cell><cell r="C4"><v>1234567890</v><v>0</v></cell>'
            "</row>"  # the first v is the cached value
            '<row r="5"><cell r="B5"/><cell r="c5"><v>lower-case ref: not a cell</v></cell>'
            '<cell r="D5" t="str"><v>2345-678901</v></cell></row>'
            '</sheetData><sheetData sheetId="7"><row><cell r="A1"><v>id beyond the names</v></cell></row><row>'
            '<cell r="B2"><v>x</v></cell></row></sheetData></sheetDataSet></externalBook></externalLink>')
    blocks = _extra(samples.with_parts(_workbook(), {LINK: link}))
    assert _rows(blocks, f"{LINK} (linked 名簿)") == [(1, ["氏名", "", "基礎年金番号"]), (4, ["山田 太郎", "", "1234567890"]),
                                                     (5, ["", "", "", "2345-678901"])]
    assert _rows(blocks, f"{LINK} (linked 7)") == [(1, ["id beyond the names"]), (2, ["", "x"])]
    assert not [b for b in blocks if isinstance(b, PartNote)]


def _long_link(rows: int) -> str:
    body = "".join(f'<row r="{i}"><cell r="A{i}" t="str"><v>架空 {i}郎</v></cell>'
                   f'<cell r="B{i}" t="str"><v>{1000 + i % 9000}-{567000 + i:06d}</v></cell></row>'
                   for i in range(2, rows + 2))
    return (f'<externalLink {S}><externalBook><sheetNames><sheetName val="名簿"/></sheetNames><sheetDataSet>'
            '<sheetData sheetId="0"><row r="1"><cell r="A1" t="str"><v>氏名</v></cell>'
            f'<cell r="B1" t="str"><v>基礎年金番号</v></cell></row>{body}')


def test_linked_rows_are_read_as_they_are_parsed(engine: Engine) -> None:
    """A link cache cut off midway: the rows before the cut are read, the damage named."""
    link = _long_link(5000)
    result = _scan(engine, samples.with_parts(_workbook(), {LINK: link[: len(link) - 100]}))
    assert result.outcome == Outcome.FINDINGS
    assert [(p.where, p.outcome) for p in result.parts] == [(LINK, Outcome.ERROR)]
    assert "malformed XML" in result.parts[0].reason
    found = {location for location, _ in _pension(result)}
    assert {f"{LINK} (linked 名簿)!B2", f"{LINK} (linked 名簿)!B4000"} <= found


def test_linked_rows_over_max_cells_are_limit_exceeded(engine: Engine) -> None:
    data = samples.with_parts(_workbook(), {LINK: _long_link(200) + "</sheetData></sheetDataSet></externalBook>"
                                                                   "</externalLink>"})
    result = scan_source(Source.from_bytes("集計.xlsx", data), engine, ScanLimits(max_cells=100))
    assert result.outcome == Outcome.LIMIT_EXCEEDED and "max_cells (100)" in result.reason


def test_pivot_parts_declared_in_shift_jis_are_read() -> None:
    declaration = '<?xml version="1.0" encoding="Shift_JIS"?>'
    definition = (declaration + _definition([("氏名", ["山田 太郎", "髙橋 ㈱"]), ("基礎年金番号", [])])).encode("cp932")
    records = (declaration + _records(2) + "</pivotCacheRecords>").encode("cp932")
    blocks = _extra(samples.with_parts(_workbook(), {DEFINITION: definition, RECORDS: records}))
    assert _rows(blocks, PIVOT) == [(1, ["山田 太郎", "1000-567000"]), (2, ["髙橋 ㈱", "1001-567001"])]
