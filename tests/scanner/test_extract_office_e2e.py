"""Office, PDF and archive samples through scan_source with the real detection engine:
exactly the planted pension numbers, at their cells, pages and member paths."""

from __future__ import annotations

import io
import zipfile

import pytest

from scanner.detect import Engine, load_engine
from scanner.extract import Source
from scanner.model import Confidence, Outcome, ScanResult
from scanner.scan import scan_source
from tests.scanner import office_samples as samples


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _scan(engine: Engine, name: str, data: bytes) -> ScanResult:
    return scan_source(Source.from_bytes(name, data), engine)


def _pension(result: ScanResult) -> set[tuple[str, str]]:
    return {(f.location, f.masked) for f in result.findings if f.detector == "pension_number"}


def test_roster_split_and_zero_padded_numbers(engine: Engine) -> None:
    result = _scan(engine, "roster.xlsx", samples.xlsx_roster(2))
    assert result.outcome == Outcome.FINDINGS and result.file_type == "xlsx"
    # Each number twice: joined from the split 記号|番号 in C and whole in F (one finding per
    # value, both sightings counted); 商品コード in column G is not a pension number.
    assert {(f.location, f.masked, f.occurrences) for f in result.findings if f.detector == "pension_number"} == {
        ("名簿!C5", "0123-****90", 2), ("名簿!C6", "0123-****91", 2),
    }
    assert result.pension_records == 2


def test_docx_letter_with_table(engine: Engine) -> None:
    table = [["氏名", "基礎年金番号"], ["山田 太郎", "2345-678901"]]
    result = _scan(engine, "letter.docx", samples.docx(["基礎年金番号 1234-567890 山田太郎"], tables=[table]))
    assert _pension(result) == {("word/document.xml:line 1", "1234-****90"),
                                ("word/document.xml table 1!B2", "2345-****01")}


def test_pdf_with_cid_font(engine: Engine) -> None:
    result = _scan(engine, "list.pdf", samples.pdf_japanese(["表紙", "基礎年金番号 1234-567890 山田太郎"]))
    assert _pension(result) == {("page 2", "1234-****90")}


def test_zip_in_zip_with_cp932_names(engine: Engine) -> None:
    csv = "氏名,基礎年金番号\n山田 太郎,1234-567890\n".encode("cp932")
    inner = samples.zip_bytes({"名簿.csv": csv}, cp932_names=True)
    result = _scan(engine, "outer.zip", samples.zip_bytes({"送付/inner.zip": inner}, cp932_names=True))
    assert _pension(result) == {("送付/inner.zip!名簿.csv!B2", "1234-****90")}


def test_encrypted_samples_are_encrypted(engine: Engine) -> None:
    for name, data in [("a.xlsx", samples.encrypt_ooxml(samples.xlsx_roster(1))),
                       ("b.zip", samples.zip_aes({"a.csv": "x"})),
                       ("c.pdf", samples.pdf_encrypted(samples.pdf_japanese(["x"]), "pw")),
                       ("d.7z", samples.sevenzip({"a.csv": "x"}, password="pw"))]:
        result = _scan(engine, name, data)
        assert (result.outcome, result.encrypted) == (Outcome.ENCRYPTED, True), name


def test_permissions_only_pdf_and_protected_sheet_are_scanned(engine: Engine) -> None:
    pdf = samples.pdf_encrypted(samples.pdf_japanese(["基礎年金番号 1234-567890 山田太郎"]), "")
    assert _pension(_scan(engine, "open.pdf", pdf)) == {("page 1", "1234-****90")}
    sheet = _scan(engine, "locked.xlsx", samples.xlsx_roster(1, sheet_protection=True))
    assert sheet.outcome == Outcome.FINDINGS and not sheet.encrypted


def test_bomb_and_corrupt_files_end_with_a_reason(engine: Engine) -> None:
    assert _scan(engine, "bomb.zip", samples.zip_ratio_bomb()).outcome == Outcome.LIMIT_EXCEEDED
    bad = _scan(engine, "bad.docx", samples.docx(body_xml="<w:document><oops"))
    assert bad.outcome == Outcome.ERROR and "malformed XML" in bad.reason
    legacy = _scan(engine, "old.doc", (samples.FIXTURES / "plain.doc").read_bytes())
    assert legacy.outcome == Outcome.CLEAN  # legacy Word text is read (scanner.extract.legacy_doc)


_WORDML = "application/vnd.openxmlformats-officedocument.wordprocessingml"
_PRESENTATIONML = "application/vnd.openxmlformats-officedocument.presentationml"


def test_word_online_body_named_document2_is_read_as_word(engine: Engine) -> None:
    # Word Online and SharePoint save the body as word/document2.xml; its runs split numbers.
    body = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>基礎年金番号 1234-</w:t></w:r>'
            '<w:r><w:t>567890</w:t></w:r></w:p></w:body></w:document>')
    data = samples.renamed_parts(samples.docx(body_xml=body, header="山田 太郎 様 2345-678901 年金手帳"),
                                 {"word/document.xml": "word/document2.xml", "word/header1.xml": "word/hdrA.xml"},
                                 {"word/document2.xml": f"{_WORDML}.document.main+xml",
                                  "word/hdrA.xml": f"{_WORDML}.header+xml"})
    result = _scan(engine, "online.docx", data)
    assert result.file_type == "docx"
    assert _pension(result) == {("word/document2.xml:line 1", "1234-****90"), ("word/hdrA.xml:line 1", "2345-****01")}


def test_slides_found_by_content_type(engine: Engine) -> None:
    data = samples.renamed_parts(samples.pptx([["表紙"], ["基礎年金番号 1234-567890 山田太郎"]]),
                                 {"ppt/slides/slide2.xml": "ppt/slides/roster.xml"},
                                 {"ppt/slides/roster.xml": f"{_PRESENTATIONML}.slide+xml"})
    result = _scan(engine, "deck.pptx", data)
    assert result.file_type == "pptx"
    assert _pension(result) == {("slide ppt/slides/roster.xml:line 1", "1234-****90")}


def test_unreadable_content_types_fall_back_to_the_usual_names(engine: Engine) -> None:
    with zipfile.ZipFile(io.BytesIO(samples.docx(["基礎年金番号 1234-567890"]))) as package:
        body = package.read("word/document.xml")
    broken = samples.zip_bytes({"[Content_Types].xml": "<Types", "word/document.xml": body})  # truncated XML
    result = _scan(engine, "a.docx", broken)
    assert result.file_type == "docx"
    assert _pension(result) == {("word/document.xml:line 1", "1234-****90")}


def test_a_declared_slide_missing_from_the_package_is_not_clean(engine: Engine) -> None:
    # a damaged directory entry renamed the only slide: its text is gone, and the file says so
    deck = samples.pptx([["基礎年金番号 1234-567890 山田太郎"]])
    data = samples.renamed_parts(deck, {"ppt/slides/slide1.xml": "ppt/slides/slid\u00e91.xml"},
                                 {"ppt/slides/slide1.xml": f"{_PRESENTATIONML}.slide+xml"})
    result = _scan(engine, "deck.pptx", data)
    assert result.outcome == Outcome.ERROR
    assert "ppt/slides/slide1.xml" in result.reason and "missing" in result.reason


def test_declared_part_names_match_members_whatever_their_case(engine: Engine) -> None:
    data = samples.renamed_parts(samples.docx(["基礎年金番号 1234-567890"]),
                                 {"word/document.xml": "word/document2.xml"},
                                 {"Word/Document2.XML": f"{_WORDML}.document.main+xml"})  # OPC ignores case
    result = _scan(engine, "online.docx", data)
    assert result.file_type == "docx" and result.parts == []
    assert _pension(result) == {("word/document2.xml:line 1", "1234-****90")}


def test_text_a_tracked_change_deleted_is_still_read(engine: Engine) -> None:
    # "I deleted the number": with track changes on, Word keeps it as w:delText until accepted
    body = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>山田 太郎 様 基礎年金番号 </w:t></w:r>'
            '<w:del w:id="1" w:author="事務"><w:r><w:delText>1234-567890</w:delText></w:r></w:del>'
            '<w:r><w:t>（削除済）</w:t></w:r></w:p></w:body></w:document>')
    assert _pension(_scan(engine, "letter.docx", samples.docx(body_xml=body))) == {
        ("word/document.xml:line 1", "1234-****90")}


def test_pdf_form_fields_and_notes_are_read(engine: Engine) -> None:
    # a 申請書 typed into: the values live in the form, not in the page text
    data = samples.pdf_form({"氏名": "山田 太郎", "基礎年金番号": "1234-567890", "備考": ""},
                            notes=["確認: 佐藤 花子 の年金手帳番号 2345-678901"])
    result = _scan(engine, "申請書.pdf", data)
    assert result.outcome == Outcome.FINDINGS and result.parts == []
    assert _pension(result) == {("form fields!B2", "1234-****90"), ("page 1 notes", "2345-****01")}
    [number] = [f for f in result.findings if f.detector == "pension_number" and f.location == "form fields!B2"]
    assert number.confidence == Confidence.HIGH  # the field's name is its header, the name field its record


def test_pdf_form_fields_split_over_kigou_and_bangou_are_one_number(engine: Engine) -> None:
    data = samples.pdf_form({"氏名": "山田 太郎", "年金手帳 記号": "1234", "年金手帳 番号": "567890"})
    assert _pension(_scan(engine, "申請書.pdf", data)) == {("form fields!B2", "1234-****90")}


def _roster_xlsx() -> bytes:
    return samples.xlsx_from_rows({"Sheet": [["氏名", "基礎年金番号"], ["山田 太郎", "1234-567890"]]})


def test_objects_embedded_in_documents_are_read(engine: Engine) -> None:
    # the page shows a picture of the table; the workbook itself sits in word/embeddings/
    csv = "氏名,基礎年金番号\r\n佐藤 花子,2345-678901\r\n".encode("cp932")
    letter = samples.with_parts(samples.docx(["名簿を貼り付けます。"]), {
        "word/embeddings/Microsoft_Excel_Worksheet.xlsx": _roster_xlsx(),
        "word/embeddings/oleObject1.bin": samples.ole_package("名簿.csv", csv)})  # a dragged-in file
    result = _scan(engine, "letter.docx", letter)
    assert _pension(result) == {("word/embeddings/Microsoft_Excel_Worksheet.xlsx!Sheet!B2", "1234-****90"),
                                ("word/embeddings/oleObject1.bin!名簿.csv!B2", "2345-****01")}


def test_an_office_package_inside_an_ole_object_in_a_deck(engine: Engine) -> None:
    deck = samples.with_parts(samples.pptx([["集計"]]),
                              {"ppt/embeddings/oleObject1.bin": samples.cfb_bytes({"Package": _roster_xlsx()})})
    result = _scan(engine, "deck.pptx", deck)
    assert _pension(result) == {("ppt/embeddings/oleObject1.bin!Package!Sheet!B2", "1234-****90")}


def test_an_embedded_equation_is_not_an_unread_part(engine: Engine) -> None:
    letter = samples.with_parts(samples.docx(["計算式は次のとおり。"]), {
        "word/embeddings/oleObject1.bin": samples.cfb_bytes({"Equation Native": b"\x1c\x00" + bytes(40)}),
        "word/embeddings/oleObject2.bin": samples.cfb_bytes({"Contents": b"?"})})  # nothing we know
    result = _scan(engine, "calc.docx", letter)
    assert result.outcome == Outcome.UNSUPPORTED
    assert "oleObject2.bin" in result.reason and "oleObject1.bin" not in result.reason


def test_files_attached_to_a_pdf_are_read(engine: Engine) -> None:
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("名簿.csv", "氏名,基礎年金番号\r\n山田 太郎,1234-567890\r\n".encode("cp932"))
    out = io.BytesIO()
    writer.write(out)
    result = _scan(engine, "通知.pdf", out.getvalue())
    assert result.outcome == Outcome.FINDINGS
    assert _pension(result) == {("名簿.csv!B2", "1234-****90")}


def test_odf_footers_and_embedded_objects_are_read(engine: Engine) -> None:
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"')
    footer = (f"<office:document-styles {ns}><office:master-styles><style:master-page><style:footer>"
              "<text:p>山田 太郎 様 基礎年金番号 1234-567890</text:p></style:footer></style:master-page>"
              "</office:master-styles></office:document-styles>")
    cells = "".join(f"<table:table-row><table:table-cell><text:p>{a}</text:p></table:table-cell>"
                    f"<table:table-cell><text:p>{b}</text:p></table:table-cell></table:table-row>"
                    for a, b in [("氏名", "基礎年金番号"), ("佐藤 花子", "2345-678901")])
    embedded = (f"<office:document-content {ns}><office:body><office:spreadsheet><table:table>{cells}"
                "</table:table></office:spreadsheet></office:body></office:document-content>")
    letter = samples.with_parts(samples.odt(["名簿を貼り付けます"]),
                                {"styles.xml": footer, "Object 1/content.xml": embedded})
    result = _scan(engine, "letter.odt", letter)
    assert result.file_type == "odf-text"
    assert _pension(result) == {("styles.xml:line 1", "1234-****90"), ("Object 1/content.xml table 1!B2", "2345-****01")}
