"""XML that no other reader claims (exports, data feeds, configuration): text, with its
character references decoded.

A writer whose output encoding is ASCII (a Java or .NET serializer set to US-ASCII, an
old exporter) writes every Japanese character as a reference: 基礎年金番号 is
``&#22522;&#30990;...``. Read as raw text, neither the keyword nor a name is visible
beside the number. Here the document is read as text, line by line as the text reader
does (locations stay ``line N``), and each reference is replaced by its character. The
markup is left in place: a tag names its value as a keyword would (``<基礎年金番号>``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import Block, PartNote, TextBlock
from . import FormatSpec, ScanContext, Source
from .text import deadline_checked, decoded_head, line_chunks, open_text, problem_notes

XML_SUFFIXES = frozenset({"xml"})
_REFERENCE = re.compile(r"&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(amp|lt|gt|quot|apos));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _is_xml(source: Source) -> bool:
    if source.suffix not in XML_SUFFIXES:
        return False
    head = decoded_head(source)
    return head is not None and head.lstrip()[:1] == "<"


def extract_xml(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    stream = open_text(source, ctx)
    for chunk, first_line in line_chunks(deadline_checked(stream, ctx), ctx.limits.text_chunk_chars):
        yield TextBlock(decode_references(chunk), where="", first_line=first_line)
    yield from problem_notes(stream)


def decode_references(text: str) -> str:
    """``text`` with XML character and entity references replaced by their characters;
    a reference to a line break or another control character, or to no character at all,
    is left as written (lines keep their numbers)."""
    if "&" not in text:
        return text
    return _REFERENCE.sub(_character, text)


def _character(m: re.Match[str]) -> str:
    if m.group(3):
        return _NAMED[m.group(3)]
    code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    if code < 0x20 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return m.group()
    return chr(code)


# Below HTML (15) and XML Spreadsheet 2003 (16), which read their own XML; above CSV and text.
FORMATS = [FormatSpec("xml", _is_xml, extract_xml, priority=13)]
