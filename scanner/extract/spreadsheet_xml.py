"""XML Spreadsheet 2003 (SpreadsheetML: "XML スプレッドシート 2003", a common export of
business systems, named .xml or .xls), streamed through expat.

Each worksheet's rows become TableBlocks under the header row found at its top, like a
workbook's; ss:Index (a cell after skipped columns) keeps cells in their columns. Rows reach
the engine as they are parsed, so a sheet of a million rows is never held whole.

expat is driven directly (xml_stream), not through ElementTree: these exports run to
hundreds of MB, and ElementTree's Python-level parser spent ~30 us per element, so a 250 MB
export ran past the per-file time limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from ..model import Block
from . import FormatSpec, ScanContext, Source
from .tables import table_blocks
from .xml_stream import SEP, ItemReader, SectionItem, section_rows, streamed

_NS = "urn:schemas-microsoft-com:office:spreadsheet"
_WORKSHEET, _ROW, _CELL = (f"{_NS}{SEP}{local}" for local in ("Worksheet", "Row", "Cell"))
_NAME, _INDEX = f"{_NS}{SEP}Name", f"{_NS}{SEP}Index"


def _is_spreadsheet_xml(source: Source) -> bool:
    head = source.head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith(b"<?xml") and _NS.encode() in source.head


def extract_spreadsheet_xml(source: Source, ctx: ScanContext) -> Iterator[Block]:
    with source.opener() as raw:
        yield from _worksheets(raw, ctx)


def _worksheets(raw: BinaryIO, ctx: ScanContext) -> Iterator[Block]:
    items = streamed(_Reader(ctx.limits.max_cells), raw, ctx, "XML spreadsheet")
    for kind, value in items:
        if kind == "sheet":
            yield from table_blocks(section_rows(items), str(value))


class _Reader(ItemReader[SectionItem]):
    """expat handlers that turn SpreadsheetML into items; a cell's text is all the text
    inside it (its Data, rich-text runs, a comment on it)."""

    def __init__(self, max_cells: int) -> None:
        super().__init__(max_cells)
        self.parser.CharacterDataHandler = self._text
        self._number, self._column = 0, 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if name == _CELL and self._row is not None:
            index = attrs.get(_INDEX)
            self._column = int(index) - 1 if index and index.isdigit() else self._column
            self._cell = []
        elif name == _ROW:
            index = attrs.get(_INDEX)
            self._number = int(index) if index and index.isdigit() else self._number + 1
            self._row, self._column = [], 0
        elif name == _WORKSHEET:
            self._items.append(("sheet", attrs.get(_NAME, "")))
            self._number = 0

    def _text(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _end(self, name: str) -> None:
        if name == _CELL and self._cell is not None and self._row is not None:
            row = self._row
            row.extend([""] * (self._column - len(row)))
            row.append("".join(self._cell).strip())
            self._column, self._cell = len(row), None
        elif name == _ROW and self._row is not None:
            self._count(len(self._row))
            self._items.append(("row", (self._number, self._row)))
            self._row = None
        elif name == _WORKSHEET:
            self._items.append(("end", None))


FORMATS = [FormatSpec("xml-spreadsheet", _is_spreadsheet_xml, extract_spreadsheet_xml, priority=16)]
