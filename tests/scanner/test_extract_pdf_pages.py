"""PDF extraction: CID-font Japanese text page by page, encryption, image-only, damage."""

from __future__ import annotations

import pytest

from scanner.errors import CorruptFile, Encrypted, Unsupported
from scanner.extract import ScanContext, Source, extract
from scanner.limits import Deadline, ScanLimits
from scanner.model import Block, PartNote, TextBlock
from tests.scanner import office_samples as samples

PAGE_ONE = "基礎年金番号 1234-567890 山田太郎"


def _extract(data: bytes, name: str = "doc.pdf") -> list[Block | PartNote]:
    return list(extract(Source.from_bytes(name, data), ScanContext(ScanLimits(), Deadline(60))))


@pytest.mark.parametrize("identity_h", [False, True], ids=["UniJIS-UCS2-H", "Identity-H+ToUnicode"])
def test_cid_font_japanese_text_per_page(identity_h: bool) -> None:
    blocks = _extract(samples.pdf_japanese([PAGE_ONE, "二ページ目 生年月日 昭和45年1月1日"], identity_h=identity_h))
    assert [(b.where, b.first_line) for b in blocks if isinstance(b, TextBlock)] == [("page 1", None), ("page 2", None)]
    assert isinstance(blocks[0], TextBlock) and blocks[0].text.strip() == PAGE_ONE


def test_user_password_pdf_is_encrypted() -> None:
    with pytest.raises(Encrypted, match="pdf-user-password"):
        _extract(samples.pdf_encrypted(samples.pdf_japanese([PAGE_ONE]), "open-me"))


def test_permissions_only_pdf_is_read() -> None:
    blocks = _extract(samples.pdf_encrypted(samples.pdf_japanese([PAGE_ONE]), ""))
    assert isinstance(blocks[0], TextBlock) and PAGE_ONE in blocks[0].text


def test_image_only_pdf_is_unsupported_with_reason() -> None:
    with pytest.raises(Unsupported, match="image-only PDF"):
        _extract(samples.pdf_image_only())


def test_broken_xref_is_repaired_or_corrupt_never_a_crash() -> None:
    data = samples.pdf_japanese([PAGE_ONE])
    broken = data[: data.rindex(b"xref")] + b"xref\n0 9\ngarbage\ntrailer\n<< >>\nstartxref\n99999\n%%EOF\n"
    try:
        blocks = _extract(broken)
    except CorruptFile:
        return
    assert any(isinstance(b, TextBlock) and PAGE_ONE in b.text for b in blocks)  # pdfium repaired it


def test_garbage_after_pdf_magic_is_corrupt() -> None:
    with pytest.raises(CorruptFile):
        _extract(b"%PDF-1.7\n" + bytes(range(256)) * 8)


def test_a_listing_printed_to_pdf_is_a_table_under_its_header() -> None:
    # a 帳票 printed to PDF: names beside plain numbers, the header only at the top of the page
    from agent import fakedata
    from scanner.detect import load_engine
    from scanner.model import Confidence
    from scanner.scan import scan_source

    people = fakedata.people(40, seed=4)
    page = "被保険者一覧\n氏名　基礎年金番号\n" + "\n".join(f"{p.name}　{p.pension_number}" for p in people)
    result = scan_source(Source.from_bytes("一覧.pdf", samples.pdf_japanese([page])), load_engine())
    numbers = [f for f in result.findings if f.detector == "pension_number"]
    assert len(numbers) == 40 and all(f.confidence >= Confidence.MEDIUM for f in numbers)
    assert {f.location for f in numbers} == {f"page 1!B{line}" for line in range(3, 43)}
    title = [b for b in _extract(samples.pdf_japanese([page])) if isinstance(b, TextBlock)]
    assert [(b.text.strip(), b.first_line) for b in title] == [("被保険者一覧", None)]  # no line numbers in a PDF


def _roster_pages(second: str) -> bytes:
    from agent import fakedata

    people = fakedata.people(40, seed=6)
    rows = [f"{p.name}　　{p.pension_number}" for p in people]
    return samples.pdf_japanese(["被保険者一覧\n氏名　　基礎年金番号\n" + "\n".join(rows[:20]),
                                 second or "\n".join(rows[20:])])


def test_a_listing_printed_over_pages_goes_on_under_its_header() -> None:
    # the header only on the first page: the numbers on the second had no context but the names
    from scanner.detect import load_engine
    from scanner.model import Confidence
    from scanner.scan import scan_source

    result = scan_source(Source.from_bytes("一覧.pdf", _roster_pages("")), load_engine())
    numbers = {f.location: f.confidence for f in result.findings if f.detector == "pension_number"}
    assert len(numbers) == 40 and set(numbers.values()) == {Confidence.HIGH}
    assert {loc for loc in numbers if loc.startswith("page 2!")} == {f"page 2!B{row}" for row in range(1, 21)}


def test_a_page_after_a_listing_that_does_not_fit_its_columns_stays_text() -> None:
    # each line fills both columns, cut where the header's are: only its shape tells it apart
    letter = "\n".join(["拝啓　時下ますますご清栄のこととお慶び申し上げます。"]
                       + [f"第{n}項　年金の手続きについてご案内いたします。" for n in range(12)] + ["敬具"])
    blocks = _extract(_roster_pages(letter))
    second = [b for b in blocks if getattr(b, "where", "") == "page 2"]
    assert [type(b).__name__ for b in second] == ["TextBlock"] and second[0].text.startswith("拝啓")
