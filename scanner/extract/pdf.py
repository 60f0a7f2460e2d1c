"""PDF text through pypdfium2, page by page (including CID-font Japanese text).

Each page with text is a TextBlock(where="page N", first_line=None). A PDF that needs
an open password is Encrypted; one that opens with the empty password (permissions
only) is readable and scanned. A PDF with images but no text layer at all is
Unsupported (no OCR); pages without text inside an otherwise textual PDF get a PartNote.

What a filled form holds is not page text: its fields' values (a 申請書 typed into) are read
through pypdf as one table row under the field names (基礎年金番号, 氏名 ...), notes
(comment annotations) as text, and attached files like archive members.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..errors import CorruptFile, Encrypted, ScanTimeout, Unsupported
from ..model import Block, Outcome, PartNote, TableBlock, TextBlock
from ..protection import PDF_MAGIC
from . import FormatSpec, ScanContext, Source
from .archive import member_budget, scan_member
from .listing import ListingReader

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
        annotated = False  # notes and form widgets are annotations
        listing = ListingReader(pages=True)
        for index in range(len(doc)):
            ctx.deadline.check()
            page = doc[index]
            try:
                annotated = annotated or pdfium_c.FPDFPage_GetAnnotCount(page) > 0
                text = _page_text(page)
                if text.strip():
                    text_pages += 1
                    listing.where = f"page {index + 1}"
                    yield from listing.blocks(text, None)  # a 帳票 printed to PDF, over pages
                    continue
                listing = ListingReader(pages=True)  # a page without text ends any listing
                if _has_images(page):
                    image_pages.append(index + 1)
            finally:
                page.close()
        # pypdf parses the whole file again: only when pdfium saw something it would read
        has_extras = annotated or doc.get_formtype() != pdfium_c.FORMTYPE_NONE or doc.count_attachments() > 0
        extras = list(_form_and_notes(source, ctx)) if has_extras else []
        if image_pages and not text_pages and not any(isinstance(e, (TableBlock, TextBlock)) for e in extras):
            raise Unsupported(IMAGE_ONLY)
        yield from extras
        for number in image_pages:
            yield PartNote(f"page {number}", Outcome.UNSUPPORTED, "image-only page (no text layer)")
    finally:
        doc.close()


def _form_and_notes(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    """Form field values as one row under their names, then each page's comment notes."""
    import pypdf

    try:
        reader = pypdf.PdfReader(source.opener())
        if reader.is_encrypted:
            reader.decrypt("")  # it opened with the empty password above
        fields = {name: value for name, spec in (reader.get_fields() or {}).items()
                  if isinstance(value := spec.get("/V"), str) and value.strip()}
        if fields:
            yield TableBlock(rows=[list(fields), list(fields.values())], headers=list(fields),
                             where="form fields", first_row=1)
        for number, page in enumerate(reader.pages, start=1):
            ctx.deadline.check()
            notes = [str(annot["/Contents"]) for annot in (a.get_object() for a in page.get("/Annots") or ())
                     if annot.get("/Subtype") != "/Widget" and isinstance(annot.get("/Contents"), str)]
            if notes:
                yield TextBlock("\n".join(notes), where=f"page {number} notes", first_line=None)
        attachments = reader.attachments
    except ScanTimeout:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf on a hostile file: any error, this part only
        yield PartNote("form fields", Outcome.ERROR, f"form fields and notes unreadable: {type(exc).__name__}: {exc}")
        return
    for name in list(attachments):  # files attached to the PDF (a roster sent along with a notice)
        try:
            files = [bytes(data) for data in attachments[name]]
        except Exception as exc:  # noqa: BLE001 - pypdf decoding an attachment's stream: this one only
            yield PartNote(name, Outcome.ERROR, f"attached file unreadable: {type(exc).__name__}: {exc}")
            continue
        for data in files:
            yield from scan_member(source, name, io.BytesIO(data), member_budget(ctx), ctx)


FORMATS = [FormatSpec("pdf", _is_pdf, extract_pdf, priority=70)]
