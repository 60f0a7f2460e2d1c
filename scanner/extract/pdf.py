"""PDF text through pypdfium2, page by page (including CID-font Japanese text).

Each page with text is a TextBlock(where="page N", first_line=None). A PDF that needs
an open password is Encrypted; one that opens with the empty password (permissions
only) is readable and scanned. A PDF with images but no text layer at all is
Unsupported (no OCR); pages without text inside an otherwise textual PDF get a PartNote.
"""

from __future__ import annotations

from collections.abc import Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..errors import CorruptFile, Encrypted, Unsupported
from ..model import Block, Outcome, PartNote, TextBlock
from ..protection import PDF_MAGIC
from . import FormatSpec, ScanContext, Source

IMAGE_ONLY = "image-only PDF (no text layer)"


def _is_pdf(source: Source) -> bool:
    # readers accept a header anywhere in the first KiB; so do we
    return PDF_MAGIC in source.head[:1024]


def open_document(source: Source) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(source.opener(), password="", autoclose=True)
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise Encrypted("pdf-user-password") from exc
        raise CorruptFile(f"unreadable PDF: {exc}") from exc


def _page_text(page: pdfium.PdfPage) -> str:
    textpage = page.get_textpage()
    try:
        return textpage.get_text_bounded()
    finally:
        textpage.close()


def _has_images(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3))


def extract_pdf(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    doc = open_document(source)
    try:
        text_pages = 0
        image_pages: list[int] = []
        for index in range(len(doc)):
            ctx.deadline.check()
            page = doc[index]
            try:
                text = _page_text(page)
                if text.strip():
                    text_pages += 1
                    yield TextBlock(text, where=f"page {index + 1}", first_line=None)
                elif _has_images(page):
                    image_pages.append(index + 1)
            finally:
                page.close()
        if image_pages and not text_pages:
            raise Unsupported(IMAGE_ONLY)
        for number in image_pages:
            yield PartNote(f"page {number}", Outcome.UNSUPPORTED, "image-only page (no text layer)")
    finally:
        doc.close()


FORMATS = [FormatSpec("pdf", _is_pdf, extract_pdf, priority=70)]
