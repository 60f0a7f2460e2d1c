"""OpenDocument: ods through calamine, odt/odp text and tables streamed from content.xml; in
both, headers and footers (styles.xml) and embedded objects (Object N/content.xml).

Sniffed by the stored ``mimetype`` member. An ODF package whose manifest carries
encryption data is Encrypted ("odf-encrypted"): its content.xml is ciphertext.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

from defusedxml.ElementTree import iterparse

from ..errors import CorruptFile, Encrypted
from ..model import Block, PartNote
from . import FormatSpec, ScanContext, Source
from .ooxml import ZIP_MAGIC, open_part, open_zip, part_blocks, read_part
from .spreadsheet import extract_workbook

MIME_PREFIX = b"application/vnd.oasis.opendocument."
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_MANIFEST = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"

# text:h headings are paragraphs too; span text is collected by the paragraph via itertext
# a cell a merged one covers stays a cell of its own (table:covered-table-cell), empty
_ODF_TAGS = {"p": f"{{{_TEXT}}}p", "h": f"{{{_TEXT}}}h", "t": "-", "tbl": f"{{{_TABLE}}}table",
             "tr": f"{{{_TABLE}}}table-row", "tc": f"{{{_TABLE}}}table-cell",
             "tc_covered": f"{{{_TABLE}}}covered-table-cell"}


def _mimetype(source: Source) -> bytes:
    """ODF stores ``mimetype`` first and uncompressed: its text sits at offset 38."""
    if not source.head.startswith(ZIP_MAGIC) or source.head[30:38] != b"mimetype":
        return b""
    return source.head[38:120].split(b"PK", 1)[0]


def _is_ods(source: Source) -> bool:
    return _mimetype(source).startswith(MIME_PREFIX + b"spreadsheet")


def _is_odf_text(source: Source) -> bool:
    kind = _mimetype(source)
    return kind.startswith(MIME_PREFIX + b"text") or kind.startswith(MIME_PREFIX + b"presentation")


def check_odf_encryption(zf: zipfile.ZipFile, ctx: ScanContext) -> None:
    if "META-INF/manifest.xml" not in zf.namelist():
        return
    with open_part(zf, "META-INF/manifest.xml", ctx) as manifest:
        for _, elem in iterparse(manifest, forbid_dtd=True):
            if elem.tag == _MANIFEST + "encryption-data":
                raise Encrypted("odf-encrypted")


def extract_ods(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    with open_zip(source) as zf:
        check_odf_encryption(zf, ctx)
    yield from extract_workbook(source, ctx)
    with open_zip(source) as zf:
        yield from _other_parts(zf, ctx)


def extract_odf_text(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    with open_zip(source) as zf:
        check_odf_encryption(zf, ctx)
        if "content.xml" not in zf.namelist():
            raise CorruptFile("ODF package without content.xml")
        yield from _text_part(zf, "content.xml", ctx)
        yield from _other_parts(zf, ctx)


def _other_parts(zf: zipfile.ZipFile, ctx: ScanContext) -> Iterator[Block]:
    """Headers and footers (styles.xml), and embedded objects, which are sub-documents with a
    content.xml of their own ("Object 1/content.xml": a spreadsheet pasted into a letter)."""
    names = zf.namelist()
    for name in ["styles.xml", *sorted(n for n in names if n.endswith("/content.xml"))]:
        if name in names:
            yield from _text_part(zf, name, ctx)


def _text_part(zf: zipfile.ZipFile, name: str, ctx: ScanContext) -> Iterator[Block]:
    with open_part(zf, name, ctx) as stream:
        reader = read_part(stream, _ODF_TAGS, ctx, whole_text=True)
    yield from part_blocks(reader, name, ctx.limits.text_chunk_chars)


FORMATS = [
    FormatSpec("ods", _is_ods, extract_ods, priority=70),
    FormatSpec("odf-text", _is_odf_text, extract_odf_text, priority=70),
]
