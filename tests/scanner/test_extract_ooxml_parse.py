"""How one XML part of a docx/pptx/odt is read (scanner.extract.ooxml.read_part, on expat):
which text makes a paragraph, what is refused, and parts longer than one read."""

from __future__ import annotations

import io
import zipfile

import pytest

from scanner.detect import Engine, load_engine
from scanner.errors import CorruptFile
from scanner.extract import ScanContext, Source, extract
from scanner.extract.tables import CHUNK_ROWS
from scanner.limits import Deadline, ScanLimits
from scanner.model import Block, Outcome, PartNote, TableBlock, TextBlock
from scanner.scan import scan_source
from tests.scanner import office_samples as samples

_W_DOC = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
          'wordprocessingml/2006/main"><w:body>{}</w:body></w:document>')


def _extract(name: str, data: bytes) -> list[Block | PartNote]:
    return list(extract(Source.from_bytes(name, data), ScanContext(ScanLimits(), Deadline(60))))


def _text(blocks: list[Block | PartNote], where: str) -> str:
    return "\n".join(b.text for b in blocks if isinstance(b, TextBlock) and b.where == where)


def _odf_text(body: str) -> str:
    """content.xml of a text document whose body (inside office:text) is ``body``."""
    return ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:'
            'tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body><office:text>'
            f"{body}</office:text></office:body></office:document-content>")


def _odt(content: str) -> bytes:
    """An odt whose content.xml is ``content`` (mimetype still stored first, as ODF sniffing needs)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(samples.odt(["x"]))) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, content if info.filename == "content.xml" else src.read(info))
    return out.getvalue()


def test_a_paragraphs_runs_join_and_tabs_and_breaks_become_characters() -> None:
    # indentation between elements and a field code (w:instrText) are no text of the paragraph
    body = """<w:p>
      <w:r><w:t>基礎年金</w:t></w:r>
      <w:r><w:rPr><w:b/></w:rPr><w:t>番号</w:t></w:r>
      <w:r><w:tab/><w:t>1234-</w:t></w:r><w:r><w:t>567890</w:t><w:br/><w:t>山田</w:t><w:cr/><w:t>太郎</w:t></w:r>
      <w:r><w:instrText> PAGE </w:instrText></w:r>
    </w:p>
    <w:p><w:r><w:t xml:space="preserve"> 様 </w:t></w:r></w:p>"""
    blocks = _extract("letter.docx", samples.docx(body_xml=_W_DOC.format(body)))
    assert _text(blocks, "word/document.xml") == "基礎年金番号\t1234-567890\n山田\n太郎\n 様 "


def test_an_odf_paragraph_is_all_text_inside_it() -> None:
    content = _odf_text('<text:p>基礎<text:span>年金<text:span text:style-name="b">番号</text:span>：</text:span>'
                        '1234-567890<text:s/>様</text:p>'
                        '<text:h text:outline-level="1">見出し<text:span>二</text:span></text:h>')
    blocks = _extract("letter.odt", _odt(content))
    assert _text(blocks, "content.xml") == "基礎年金番号：1234-567890様\n見出し二"


def test_a_ruby_reading_is_no_text_of_its_word_paragraph() -> None:
    # read inline, the reading came before its base: やまだ山田　たろう太郎様
    def ruby(base: str, reading: str) -> str:
        return (f"<w:r><w:ruby><w:rubyPr/><w:rt><w:r><w:t>{reading}</w:t></w:r></w:rt>"
                f"<w:rubyBase><w:r><w:t>{base}</w:t></w:r></w:rubyBase></w:ruby></w:r>")
    body = f"<w:p>{ruby('山田', 'やまだ')}<w:r><w:t>　</w:t></w:r>{ruby('太郎', 'たろう')}<w:r><w:t>様</w:t></w:r></w:p>"
    blocks = _extract("letter.docx", samples.docx(body_xml=_W_DOC.format(body)))
    assert _text(blocks, "word/document.xml") == "山田　太郎様"


def test_a_ruby_reading_is_no_text_of_its_odf_paragraph() -> None:
    content = _odf_text('<text:p><text:ruby><text:ruby-base>山田</text:ruby-base><text:ruby-text>やまだ</text:ruby-text>'
                        '</text:ruby>様 基礎年金番号</text:p>')
    blocks = _extract("letter.odt", _odt(content))
    assert _text(blocks, "content.xml") == "山田様 基礎年金番号"


def _tc(text: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def test_a_word_cell_merged_across_columns_leaves_them_empty() -> None:
    # 氏名 over 姓 | 名 as one cell: the 基礎年金番号 beside it headed the column of given names
    span = '<w:gridSpan w:val="2"/>'
    header = f'<w:tr>{_tc("氏名", span)}{_tc("基礎年金番号")}</w:tr>'
    late = f'<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>{_tc("太郎")}{_tc("1234567890")}</w:tr>'
    body = f'<w:tbl>{header}<w:tr>{_tc("山田")}{_tc("太郎")}{_tc("1234567890")}</w:tr>{late}</w:tbl>'
    blocks = _extract("roster.docx", samples.docx(body_xml=_W_DOC.format(body)))
    rows = [row for b in blocks if isinstance(b, TableBlock) for row in b.rows]
    assert rows == [["氏名", "", "基礎年金番号"], ["山田", "太郎", "1234567890"], ["", "太郎", "1234567890"]]


def test_an_odf_cell_a_merged_one_covers_and_repeated_cells_keep_their_columns() -> None:
    def cell(value: str, attrs: str = "") -> str:
        return f"<table:table-cell {attrs}><text:p>{value}</text:p></table:table-cell>"

    rows = [cell("氏名", 'table:number-columns-spanned="2"') + "<table:covered-table-cell/>" + cell("基礎年金番号"),
            cell("山田") + cell("太郎") + cell("1234567890"),
            '<table:table-cell table:number-columns-repeated="2"/>' + cell("2345678901")]
    content = _odf_text("<table:table>" + "".join(f"<table:table-row>{r}</table:table-row>" for r in rows)
                        + "</table:table>")
    blocks = _extract("roster.odt", _odt(content))
    rows_out = [row for b in blocks if isinstance(b, TableBlock) for row in b.rows]
    assert rows_out == [["氏名", "", "基礎年金番号"], ["山田", "太郎", "1234567890"], ["", "", "2345678901"]]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


@pytest.mark.parametrize(("doctype", "number"), [
    ('<!DOCTYPE w:document [<!ENTITY n "1234-567890">]>', "&n;"),  # a pension number, were it expanded
    ("<!DOCTYPE w:document>", "1234-567890"),  # no entity at all: defusedxml refused any DTD, and so do we
])
def test_a_dtd_in_document_xml_is_refused_not_expanded(engine: Engine, doctype: str, number: str) -> None:
    document = _W_DOC.format(f"<w:p><w:r><w:t>基礎年金番号 {number} 山田 太郎</w:t></w:r></w:p>")
    document = document.replace("?>", "?>" + doctype, 1)
    result = scan_source(Source.from_bytes("letter.docx", samples.docx(body_xml=document)), engine)
    assert result.outcome == Outcome.ERROR and "malformed XML" in result.reason
    assert result.findings == []


def _long_table() -> tuple[list[list[str]], str]:
    """A table whose document.xml spans many reads, so text and elements straddle their seams
    (Japanese text: a seam falls inside a character's UTF-8 bytes too)."""
    rows = [["備考", "氏名", "住所"]] + [[f"備考{i}", f"山田 太郎{i}", "東京都千代田区霞が関一丁目" * (i % 4)]
                                         for i in range(3000)]
    with zipfile.ZipFile(io.BytesIO(samples.docx(tables=[rows]))) as package:
        document = package.read("word/document.xml").decode()
    assert len(document.encode()) > 10 * (1 << 16)
    return rows, document


def test_a_part_longer_than_many_reads_is_read_whole() -> None:
    rows, document = _long_table()
    tables = [b for b in _extract("roster.docx", samples.docx(body_xml=document)) if isinstance(b, TableBlock)]
    # in blocks of at most CHUNK_ROWS rows, as a sheet's, all under the table's header
    assert [row for block in tables for row in block.rows] == rows
    assert [b.first_row for b in tables] == [1, 1 + CHUNK_ROWS]
    assert all(b.headers == rows[0] for b in tables)


def test_a_document_xml_cut_off_is_malformed() -> None:
    _rows, document = _long_table()
    with pytest.raises(CorruptFile, match="malformed XML"):
        _extract("roster.docx", samples.docx(body_xml=document[: len(document) // 2]))


def test_a_part_declared_in_shift_jis_is_read(engine: Engine) -> None:
    """Word writes UTF-8, but documents made from templates by Japanese business systems may
    declare Shift_JIS, which expat cannot read by itself: decoded (as CP932) and read."""
    document = _W_DOC.format("<w:p><w:r><w:t>基礎年金番号 1234-567890 髙橋 一郎 様</w:t></w:r></w:p>")
    document = document.replace('encoding="UTF-8"', 'encoding="Shift_JIS"')
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(samples.docx(body_xml="<x/>"))) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, document.encode("cp932") if info.filename == "word/document.xml" else src.read(info))
    result = scan_source(Source.from_bytes("letter.docx", out.getvalue()), engine)
    assert {(f.detector, f.masked) for f in result.findings} >= {("pension_number", "1234-****90")}
    assert result.outcome == Outcome.FINDINGS
