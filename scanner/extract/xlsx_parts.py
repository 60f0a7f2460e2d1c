"""What an xlsx holds outside its cells, which calamine does not read.

- Cell comments (メモ) and threaded comments: "年金番号 1234-567890 確認済" beside a cell.
- Text boxes and shapes in drawings.
- Pivot caches: the source rows of a pivot table, with their field names as headers. Excel
  keeps them in the file even after the source sheet is deleted, so a workbook that shows
  only a summary can still hold every record.
- External link caches: the cells another workbook's formulas read (=VLOOKUP(..., [名簿.xlsx]
  名簿!A:D, ...)), cached so the summary opens without the roster: often the roster itself.

Parts are found by content type and, as a fallback, by their usual names. A part that will
not parse is a PartNote; the cells already read stand.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import IO
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import iterparse

from ..errors import CorruptFile, LimitExceeded, ScanTimeout
from ..model import Block, Outcome, PartNote, TableBlock
from . import ScanContext, Source
from .ooxml import DRAWING_TAGS, content_types, embedded_files, open_part, open_zip, part_blocks, read_part
from .tables import col_index, numbered_blocks, table_blocks

_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_TC = "{http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments}"
_NO_TABLES = {"tbl": "-", "tr": "-", "tc": "-"}
_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_TEXT_PARTS = {  # content type -> (tags of its paragraphs and runs, usual name)
    f"{_SML}.comments+xml": ({"p": _S + "comment", "t": _S + "t", **_NO_TABLES}, r"xl/comments\d*\.xml"),
    "application/vnd.ms-excel.threadedcomments+xml": (
        {"p": _TC + "threadedComment", "t": _TC + "text", **_NO_TABLES}, r"xl/threadedComments/\w+\.xml"),
    "application/vnd.openxmlformats-officedocument.drawing+xml": (DRAWING_TAGS, r"xl/drawings/drawing\d+\.xml"),
}
_PIVOT_DEFINITION = f"{_SML}.pivotCacheDefinition+xml"
_PIVOT_DEFINITION_NAME = re.compile(r"xl/pivotCache/pivotCacheDefinition\d+\.xml")
_EXTERNAL_LINK = f"{_SML}.externalLink+xml"
_EXTERNAL_LINK_NAME = re.compile(r"xl/externalLinks/externalLink\d+\.xml")
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_LINK_COLUMNS = 1024  # columns of a linked sheet read (a roster needs a few dozen)


def extra_blocks(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    with open_zip(source) as zf:
        names = set(zf.namelist())
        types = content_types(zf)
        for kind, (tags, usual) in _TEXT_PARTS.items():
            for name in _parts(types, names, kind, re.compile(usual)):
                yield from _guarded(name, partial(_text_part, zf, name, tags, ctx))
        for name in _parts(types, names, _PIVOT_DEFINITION, _PIVOT_DEFINITION_NAME):
            yield from _guarded(name, partial(_pivot_blocks, zf, name, names, ctx))
        for name in _parts(types, names, _EXTERNAL_LINK, _EXTERNAL_LINK_NAME):
            yield from _guarded(name, partial(_external_link_blocks, zf, name, ctx))
        yield from embedded_files(source, zf, ctx)


def _parts(types: dict[str, str], names: set[str], kind: str, usual: re.Pattern[str]) -> list[str]:
    """The package's parts of content type ``kind``, and those with its usual name (a writer
    that left the type out): only parts that are there, in name order."""
    return sorted(({n for n, t in types.items() if t == kind} | set(filter(usual.fullmatch, names))) & names)


def _guarded(name: str, blocks: Callable[[], Iterator[Block | PartNote]]) -> Iterator[Block | PartNote]:
    """The part's blocks, or a PartNote when it will not parse (limits and time still end the file)."""
    try:
        yield from blocks()
    except (LimitExceeded, ScanTimeout):
        raise
    except (CorruptFile, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        yield PartNote(name, Outcome.ERROR, f"unreadable part: {exc}")


def _text_part(zf: zipfile.ZipFile, name: str, tags: dict[str, str], ctx: ScanContext) -> Iterator[Block]:
    with open_part(zf, name, ctx) as stream:
        reader = read_part(stream, tags, ctx)
    yield from part_blocks(reader, name, ctx.limits.text_chunk_chars)


@dataclass(slots=True)
class _Field:
    name: str
    items: list[str] = field(default_factory=list)  # shared items, referenced by index from records


def _pivot_blocks(zf: zipfile.ZipFile, definition: str, names: set[str], ctx: ScanContext) -> Iterator[Block]:
    with open_part(zf, definition, ctx) as stream:
        fields = _cache_fields(stream, ctx)
    where = f"{definition} (pivot cache)"
    headers = [f.name for f in fields]
    records = definition.replace("pivotCacheDefinition", "pivotCacheRecords")
    if records in names:
        with open_part(zf, records, ctx) as stream:
            yield from numbered_blocks(enumerate(_record_rows(stream, fields, ctx), start=1), headers, where)
        return
    for f in fields:  # no saved records: each field's distinct values, under its name
        if f.items:
            yield TableBlock(rows=[[v] for v in f.items], headers=[f.name], where=f"{where}!{f.name}", first_row=1)


def _cache_fields(stream: IO[bytes], ctx: ScanContext) -> list[_Field]:
    fields: list[_Field] = []
    for n, (event, elem) in enumerate(_parse(stream, ("start", "end"))):
        if n % 4096 == 0:
            ctx.deadline.check()
        if event == "start" and elem.tag == _S + "cacheField":
            fields.append(_Field(elem.get("name", "")))
        elif event == "end" and elem.tag == _S + "sharedItems" and fields:
            fields[-1].items = [item.get("v", "") for item in elem]
            elem.clear()
    return fields


def _record_rows(stream: IO[bytes], fields: list[_Field], ctx: ScanContext) -> Iterator[list[str]]:
    """The cache's source rows, shared items resolved."""
    for n, (_event, elem) in enumerate(_parse(stream, ("end",))):
        if n % 4096 == 0:
            ctx.deadline.check()
        if elem.tag != _S + "r":
            continue
        row = []
        for i, value in enumerate(elem):
            if value.tag == _S + "x" and i < len(fields):  # an index into the field's shared items
                index = int(value.get("v", "-1"))
                items = fields[i].items
                row.append(items[index] if 0 <= index < len(items) else "")
            else:
                row.append(value.get("v", ""))
        elem.clear()
        yield row


def _external_link_blocks(zf: zipfile.ZipFile, name: str, ctx: ScanContext) -> Iterator[Block | PartNote]:
    """Each cached sheet of the linked workbook as rows by their numbers, under its header row."""
    sheet_names: list[str] = []
    sheets: list[tuple[str, list[tuple[int, list[str]]]]] = []
    rows: list[tuple[int, list[str]]] = []
    beyond = False
    with open_part(zf, name, ctx) as stream:
        for n, (_event, elem) in enumerate(_parse(stream, ("end",))):
            if n % 4096 == 0:
                ctx.deadline.check()
            if elem.tag == _S + "sheetName":
                sheet_names.append(elem.get("val", ""))
            elif elem.tag == _S + "row":
                cells, cut = _cached_row(elem)
                rows.append((int(elem.get("r", len(rows) + 1)), cells))
                beyond |= cut
                elem.clear()
            elif elem.tag == _S + "sheetData":
                sheets.append((elem.get("sheetId", ""), rows))
                rows = []
    for sheet_id, sheet_rows in sheets:
        index = int(sheet_id) if sheet_id.isdigit() else -1
        sheet = sheet_names[index] if 0 <= index < len(sheet_names) else sheet_id
        yield from table_blocks(sheet_rows, f"{name} (linked {sheet})")
    if beyond:
        yield PartNote(name, Outcome.LIMIT_EXCEEDED, f"cached cells beyond column {_LINK_COLUMNS} not read")


def _cached_row(row: Element) -> tuple[list[str], bool]:
    """The row's cached values at their columns, and whether a cell lay beyond _LINK_COLUMNS
    (a row padded out to column XFD, ten thousand times over, would fill memory)."""
    cells: list[str] = []
    beyond = False
    for cell in row:
        ref = _CELL_REF.fullmatch(cell.get("r", ""))
        if cell.tag != _S + "cell" or ref is None:
            continue
        col = col_index(ref.group(1))
        if col >= _LINK_COLUMNS:
            beyond = True
            continue
        cells.extend([""] * (col + 1 - len(cells)))
        cells[col] = cell.findtext(_S + "v") or ""
    return cells, beyond


def _parse(stream: IO[bytes], events: tuple[str, ...]) -> Iterator[tuple[str, Element]]:
    try:
        yield from iterparse(stream, events=events, forbid_dtd=True)
    except Exception as exc:  # defusedxml / expat errors: malformed or hostile XML
        if type(exc).__module__.startswith(("xml", "defusedxml")):
            raise CorruptFile(f"malformed XML: {exc}") from exc
        raise
