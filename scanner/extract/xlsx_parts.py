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

Pivot caches and external links drive expat directly (xml_stream: DTDs and entities refused,
as defusedxml refuses them), not ElementTree, whose Python-level parser spends ~13-30 us per
element: a records part holds every source row, a million elements for a roster. Their rows
reach the engine as they are parsed and count against max_cells, as a sheet's cells do.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import IO

from ..errors import CorruptFile, LimitExceeded, ScanTimeout
from ..model import Block, Outcome, PartNote, TableBlock
from . import ScanContext, Source
from .ooxml import DRAWING_TAGS, content_types, embedded_files, open_part, open_zip, part_blocks, read_part
from .tables import col_index, numbered_blocks, table_blocks
from .xml_stream import SEP, ItemReader, SectionItem, feed, safe_parser, section_rows, streamed

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_S = f"{{{_NS}}}"  # ElementTree's form, for read_part
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
# expat's names ("namespace}local") of the elements the pivot and link readers look at
_CACHE_FIELD, _SHARED_ITEMS, _RECORD, _INDEX = (f"{_NS}{SEP}{local}" for local in ("cacheField", "sharedItems", "r", "x"))
_SHEET_NAME, _SHEET_DATA, _ROW, _CELL, _V = (f"{_NS}{SEP}{local}" for local in ("sheetName", "sheetData", "row", "cell", "v"))



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
    reader = _FieldReader()
    feed(reader.parser, stream, ctx)
    return reader.fields


def _record_rows(stream: IO[bytes], fields: list[_Field], ctx: ScanContext) -> Iterator[list[str]]:
    """The cache's source rows, shared items resolved, as they are parsed."""
    return streamed(_RecordReader(fields, ctx.limits.max_cells), stream, ctx)


def _external_link_blocks(zf: zipfile.ZipFile, name: str, ctx: ScanContext) -> Iterator[Block | PartNote]:
    """Each cached sheet of the linked workbook as rows by their numbers, under its header row."""
    reader = _LinkReader(ctx.limits.max_cells)
    with open_part(zf, name, ctx) as stream:
        items = streamed(reader, stream, ctx)
        for kind, value in items:
            if kind == "sheet":
                yield from table_blocks(section_rows(items), f"{name} (linked {value})")
    if reader.beyond:
        yield PartNote(name, Outcome.LIMIT_EXCEEDED, f"cached cells beyond column {_LINK_COLUMNS} not read")


# --- expat readers (see the module docstring for why not ElementTree) ---


class _FieldReader:
    """A cache definition's fields: each cacheField's name, and its sharedItems' values
    (the children's v: <m/>, a blank, is "")."""

    def __init__(self) -> None:
        self.parser = parser = safe_parser()
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        self.fields: list[_Field] = []
        self._items: list[str] | None = None  # the shared items being read
        self._depth = 0  # below sharedItems: 1 in an item

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if self._items is not None:
            if self._depth == 0:
                self._items.append(attrs.get("v", ""))
            self._depth += 1
        elif name == _CACHE_FIELD:
            self.fields.append(_Field(attrs.get("name", "")))
        elif name == _SHARED_ITEMS and self.fields:
            self._items = self.fields[-1].items = []

    def _end(self, name: str) -> None:
        if self._items is None:
            return
        if self._depth:
            self._depth -= 1
        else:
            self._items = None  # sharedItems ends


class _RecordReader(ItemReader[list[str]]):
    """A records part's rows: each r's children in field order, an x an index into its
    field's shared items, any other value its v as written. The handlers run for every
    element, a million times for a roster, so they take few steps."""

    def __init__(self, fields: list[_Field], max_cells: int) -> None:
        super().__init__(max_cells)
        self._shared = [f.items for f in fields]
        self._row: list[str] = []
        self._depth = -1  # -1 outside a record, 0 in r, 1 in a value (an OLAP tuple in a value is deeper)

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        depth = self._depth
        if depth == 0:
            self._row.append(self._value(len(self._row), name, attrs))
        elif depth < 0:
            if name != _RECORD:
                return
            self._row = []
        self._depth = depth + 1

    def _value(self, column: int, name: str, attrs: dict[str, str]) -> str:
        if name != _INDEX or column >= len(self._shared):
            return attrs.get("v", "")
        index, items = int(attrs.get("v", "-1")), self._shared[column]
        return items[index] if 0 <= index < len(items) else ""

    def _end(self, name: str) -> None:
        if self._depth > 0:
            self._depth -= 1
        elif self._depth == 0:  # r ends
            self._count(len(self._row))
            self._items.append(self._row)
            self._depth = -1


class _LinkReader(ItemReader[SectionItem]):
    """An external link's cached sheets: each row's cells at their columns (from the cell's
    r), a cell's value the text of its first v; ``beyond`` when a cell lay past _LINK_COLUMNS
    (a row padded out to column XFD, ten thousand times over, would fill memory)."""

    def __init__(self, max_cells: int) -> None:
        super().__init__(max_cells)
        self.parser.CharacterDataHandler = self._text
        self.beyond = False
        self._sheet_names: list[str] = []
        self._open = [""]  # what each open element is here (sheet, row, cell, v or ""), under a sentinel
        self._rows = 0  # rows of the current sheet so far: a row without r is the next
        self._number = 0
        self._row: list[str] = []
        self._column = 0
        self._value: list[str] | None = None  # the text of the cell's first v, while it is read
        self._cell_value: str | None = None  # that text, once read

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        parent, role = self._open[-1], ""
        if parent == "row" and name == _CELL:
            role = self._begin_cell(attrs.get("r", ""))
        elif parent == "cell" and name == _V and self._cell_value is None and self._value is None:
            role, self._value = "v", []
        elif parent == "v":
            self._close_value()  # ElementTree's text of v: what comes before a child element
        elif parent == "sheet" and name == _ROW:
            role, self._row = "row", []
            self._number = int(attrs.get("r", self._rows + 1))
        elif name == _SHEET_DATA:
            role = "sheet"
            self._begin_sheet(attrs.get("sheetId", ""))
        elif name == _SHEET_NAME:
            self._sheet_names.append(attrs.get("val", ""))
        self._open.append(role)

    def _begin_sheet(self, sheet_id: str) -> None:
        # sheetNames come before sheetDataSet (the schema's order), so the name is known here
        index = int(sheet_id) if sheet_id.isdigit() else -1
        names = self._sheet_names
        self._items.append(("sheet", names[index] if 0 <= index < len(names) else sheet_id))
        self._rows = 0

    def _begin_cell(self, ref: str) -> str:
        """"cell" for a cell to read; "" for one without a reference or beyond _LINK_COLUMNS."""
        match = _CELL_REF.fullmatch(ref)
        if match is None:
            return ""
        self._column = col_index(match.group(1))
        if self._column >= _LINK_COLUMNS:
            self.beyond = True
            return ""
        self._cell_value = None
        return "cell"

    def _text(self, data: str) -> None:
        if self._value is not None:
            self._value.append(data)

    def _close_value(self) -> None:
        if self._value is not None:
            self._cell_value, self._value = "".join(self._value), None

    def _end(self, name: str) -> None:
        role = self._open.pop()
        if role == "v":
            self._close_value()
        elif role == "cell":
            row, column = self._row, self._column
            row.extend([""] * (column + 1 - len(row)))
            row[column] = self._cell_value or ""
        elif role == "row":
            self._count(len(self._row))
            self._items.append(("row", (self._number, self._row)))
            self._rows += 1
        elif role == "sheet":
            self._items.append(("end", None))
