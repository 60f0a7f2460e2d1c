"""XML that no other reader claims (exports, data feeds, configuration): text, with its
character references decoded.

A writer whose output encoding is ASCII (a Java or .NET serializer set to US-ASCII, an
old exporter) writes every Japanese character as a reference: 基礎年金番号 is
``&#22522;&#30990;...``. Read as raw text, neither the keyword nor a name is visible
beside the number. Here the document is read as text, line by line as the text reader
does (locations stay ``line N``), and each reference is replaced by its character. The
markup is left in place: a tag names its value as a keyword would (``<基礎年金番号>``).

Records are tables too: an element whose children are all fields (text, no children of their
own) is a row under the fields' tags, and a run of such elements of one tag is a table
(``<record><SHIMEI>..</SHIMEI><KISO_NENKIN_BANGO>..</KISO_NENKIN_BANGO></record>``), so a tag
in Latin letters heads its column as a CSV export's header would. A cell is ``<record>!B3``:
the second field of the third record.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from ..model import Block, PartNote, TableBlock, TextBlock
from . import FormatSpec, ScanContext, Source
from .tables import CHUNK_ROWS
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
    yield from record_tables(source, ctx)


def record_tables(source: Source, ctx: ScanContext) -> Iterator[TableBlock]:
    """Each run of records (elements holding only fields) as TableBlocks under the fields'
    tags. XML this parser refuses (a DTD, broken markup) has none after the point it stops
    at: its text is read anyway."""
    tag, number = "", 0
    headers: list[str] = []
    rows: list[dict[str, str]] = []
    open_elements: list[Element] = []
    holders: set[int] = set()  # elements records were taken out of: no records themselves
    try:
        for seen, (event, elem) in enumerate(iterparse(source.opener(), events=("start", "end"))):
            if event == "start":
                open_elements.append(elem)
                continue
            open_elements.pop()
            if seen % 4096 == 0:
                ctx.deadline.check()
            fields = list(elem)
            if id(elem) in holders:
                holders.discard(id(elem))
                continue
            if len(fields) < 2 or any(len(field) for field in fields):
                continue
            record = _local(elem.tag)
            if record != tag or len(rows) >= CHUNK_ROWS:
                yield from _records(tag, headers, rows, number)
                if record != tag:
                    tag, headers, number = record, [], 0
                rows = []
            row: dict[str, str] = {}
            for field in fields:
                name = _local(field.tag)
                row.setdefault(name, (field.text or "").strip())  # the parser decoded its references
                if name not in headers:
                    headers.append(name)
            rows.append(row)
            number += 1
            if open_elements:  # read: taken out, so a million records are never held
                open_elements[-1].remove(elem)
                holders.add(id(open_elements[-1]))
    except (ParseError, DefusedXmlException, ValueError):
        pass  # not well-formed or refused: the text above is what it holds
    yield from _records(tag, headers, rows, number)


def _records(tag: str, headers: list[str], rows: list[dict[str, str]], number: int) -> Iterator[TableBlock]:
    """``rows``, the last of ``number`` records so far, as a block under ``headers``."""
    if rows:
        yield TableBlock(rows=[[row.get(h, "") for h in headers] for row in rows], headers=list(headers),
                         where=f"<{tag}>", first_row=number - len(rows) + 1)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


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
