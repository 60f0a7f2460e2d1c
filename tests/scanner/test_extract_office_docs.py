"""docx/pptx/odt extraction, legacy and odd OLE files, malformed XML."""

from __future__ import annotations

import pytest

from scanner.errors import CorruptFile, Encrypted, Unsupported
from scanner.extract import ScanContext, Source, extract
from scanner.limits import Deadline, ScanLimits
from scanner.model import Block, PartNote, TableBlock, TextBlock
from tests.scanner import office_samples as samples


def _extract(name: str, data: bytes) -> list[Block | PartNote]:
    return list(extract(Source.from_bytes(name, data), ScanContext(ScanLimits(), Deadline(60))))


def _text(blocks: list[Block | PartNote], where: str) -> str:
    return "\n".join(b.text for b in blocks if isinstance(b, TextBlock) and b.where == where)


def test_docx_body_header_comment_and_text_box_read_once() -> None:
    data = samples.docx(["本文 基礎年金番号1234-567890"], header="ヘッダー 年金", comment="確認済み",
                        textbox="テキストボックス内")
    blocks = _extract("letter.docx", data)
    body = _text(blocks, "word/document.xml")
    assert "基礎年金番号1234-567890" in body
    assert body.count("テキストボックス内") == 1  # mc:Fallback copy skipped
    assert _text(blocks, "word/header1.xml") == "ヘッダー 年金"
    assert _text(blocks, "word/comments.xml") == "確認済み"
    assert isinstance(blocks[0], TextBlock) and blocks[0].where == "word/document.xml"


def test_docx_table_becomes_table_with_headers() -> None:
    table = [["氏名", "基礎年金番号", "生年月日"], ["山田 太郎", samples.FAKE_PENSION, "昭和45年1月1日"]]
    blocks = _extract("letter.docx", samples.docx(["以下のとおり"], tables=[table]))
    tables = [b for b in blocks if isinstance(b, TableBlock)]
    assert len(tables) == 1
    assert tables[0].headers == table[0]
    assert tables[0].rows[1][1] == samples.FAKE_PENSION
    assert tables[0].where == "word/document.xml table 1"


def test_pptx_slides_in_order_and_notes() -> None:
    slides = [[f"スライド{n}"] for n in range(1, 12)]
    blocks = _extract("deck.pptx", samples.pptx(slides, notes=["発表者メモ 1234-567890"]))
    wheres = [b.where for b in blocks if isinstance(b, TextBlock)]
    assert wheres[:11] == [f"slide {n}" for n in range(1, 12)]  # slide 10 after slide 9
    assert _text(blocks, "notes 1") == "発表者メモ 1234-567890"


def test_odt_paragraph_spans_and_table() -> None:
    blocks = _extract("letter.odt", samples.odt(["基礎年金番号1234-567890"], [["氏名", "年金番号"], ["山田", "1"]]))
    assert _text(blocks, "content.xml") == "基礎年金番号1234-567890"
    tables = [b for b in blocks if isinstance(b, TableBlock)]
    assert tables[0].headers == ["氏名", "年金番号"]


def test_encrypted_odf_is_encrypted() -> None:
    with pytest.raises(Encrypted, match="odf-encrypted"):
        _extract("secret.odt", samples.odt(["x"], encrypted=True))


def test_encrypted_ooxml_is_encrypted() -> None:
    with pytest.raises(Encrypted, match="ooxml-agile"):
        _extract("secret.docx", samples.encrypt_ooxml(samples.docx(["x"])))


def test_malformed_docx_xml_is_corrupt() -> None:
    with pytest.raises(CorruptFile, match="malformed XML"):
        _extract("bad.docx", samples.docx(body_xml="<w:document><w:body><w:p>unclosed"))


def test_docx_with_entity_expansion_is_refused() -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>")
    with pytest.raises(CorruptFile):
        _extract("bomb.docx", samples.docx(body_xml=bomb))


@pytest.mark.parametrize(("name", "error", "reason"), [
    ("rc4cryptoapi_password.doc", Encrypted, "doc-rc4"),
    ("rc4cryptoapi_password.ppt", Encrypted, "ppt-rc4-cryptoapi"),
    ("rc4cryptoapi_password.xls", Encrypted, "xls-rc4-cryptoapi"),
    ("xor_password_123456789012345.xls", Encrypted, "xls-xor"),
    ("ecma376standard_password.docx", Encrypted, "ooxml-standard"),
    ("example_password.xlsx", Encrypted, "ooxml-agile"),
])
def test_legacy_fixtures_end_with_a_reason(name: str, error: type[Exception], reason: str) -> None:
    with pytest.raises(error) as info:
        _extract(name, (samples.FIXTURES / name).read_bytes())
    assert getattr(info.value, "reason", "") == reason


def test_ole_file_that_is_no_office_document_is_unsupported() -> None:
    data = (samples.FIXTURES / "plain.doc").read_bytes()
    renamed = data.replace("WordDocument".encode("utf-16-le"), "WordDocumenX".encode("utf-16-le"))
    with pytest.raises(Unsupported, match="not doc, xls, ppt, an Outlook message or an embedded object"):
        _extract("odd.doc", renamed)


def test_truncated_ole_is_corrupt() -> None:
    data = (samples.FIXTURES / "plain.doc").read_bytes()
    with pytest.raises((CorruptFile, Unsupported)):
        _extract("cut.doc", data[:600])
