"""XML Spreadsheet 2003 (SpreadsheetML: "XML スプレッドシート 2003", a common export of
business systems, named .xml or .xls), streamed with defusedxml.

Each worksheet's rows become TableBlocks under the header row found at its top, like a
workbook's; ss:Index (a cell after skipped columns) keeps cells in their columns.
"""

from __future__ import annotations

from collections.abc import Iterator

from defusedxml.ElementTree import iterparse

from ..errors import CorruptFile
from ..model import Block
from . import FormatSpec, ScanContext, Source
from .tables import table_blocks

_NS = "urn:schemas-microsoft-com:office:spreadsheet"
_SS = "{" + _NS + "}"


def _is_spreadsheet_xml(source: Source) -> bool:
    head = source.head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith(b"<?xml") and _NS.encode() in source.head


def extract_spreadsheet_xml(source: Source, ctx: ScanContext) -> Iterator[Block]:
    with source.opener() as raw:
        try:
            yield from _worksheets(raw, ctx)
        except CorruptFile:
            raise
        except Exception as exc:  # defusedxml / expat errors: malformed or hostile XML
            if type(exc).__module__.startswith(("xml", "defusedxml")):
                raise CorruptFile(f"malformed XML spreadsheet: {exc}") from exc
            raise


def _worksheets(raw: object, ctx: ScanContext) -> Iterator[Block]:
    name = ""
    rows: list[tuple[int, list[str]]] = []
    row: list[str] | None = None
    column = 0
    for n, (event, elem) in enumerate(iterparse(raw, events=("start", "end"), forbid_dtd=True)):
        if n % 4096 == 0:
            ctx.deadline.check()
        tag = elem.tag
        if event == "start":
            if tag == _SS + "Worksheet":
                name, rows = elem.get(_SS + "Name", ""), []
            elif tag == _SS + "Row":
                index = elem.get(_SS + "Index")
                number = int(index) if index and index.isdigit() else (rows[-1][0] + 1 if rows else 1)
                row, column = [], 0
                rows.append((number, row))
            elif tag == _SS + "Cell" and row is not None:
                index = elem.get(_SS + "Index")
                column = int(index) - 1 if index and index.isdigit() else column
            continue
        if tag == _SS + "Cell" and row is not None:
            data = "".join(elem.itertext()).strip()
            row.extend([""] * (column - len(row)))
            row.append(data)
            column = len(row)
            elem.clear()
        elif tag == _SS + "Row":
            row = None
            elem.clear()
        elif tag == _SS + "Worksheet":
            yield from table_blocks(rows, name)
            rows = []
            elem.clear()


FORMATS = [FormatSpec("xml-spreadsheet", _is_spreadsheet_xml, extract_spreadsheet_xml, priority=16)]
