"""Spreadsheets (xlsx, xlsm, xlsb, xls, ods) through python-calamine, every sheet.

Each sheet becomes TableBlocks: ``where`` is the sheet name, ``first_row`` the 1-based
sheet row, column 0 is column A, and ``headers`` come from the header row found under
any title rows. Cells read as Excel shows them: integer floats lose ".0", xlsx cells
with a zero-padded number format ("0000000000", "0000-000000") get their leading zeros
back, and a pension number split over 記号 | 番号 columns is joined into the 記号 cell
("1234-567890") so detection sees one value at the cell where it starts.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any

import python_calamine as calamine
from defusedxml.ElementTree import iterparse

from ..errors import CorruptFile, Encrypted, LimitExceeded
from ..limits import Deadline
from ..model import Block, Outcome, PartNote
from . import FormatSpec, ScanContext, Source
from .ooxml import open_part, zip_names
from .tables import col_index, table_blocks
from .xlsx_parts import extra_blocks

CellFormats = dict[int, dict[int, str]]  # row0 -> col0 -> zero-padded digit pattern


# --- cell display ------------------------------------------------------------------


def display(value: Any, zero_format: str | None = None) -> str:
    """A cell value as Excel would display it (for detection, not for layout)."""
    if type(value) is str:  # the common cases first: this runs once per cell
        return value
    if type(value) is float and zero_format is None and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        value = int(value)
    if isinstance(value, int):
        if zero_format and value >= 0:
            return apply_zero_format(zero_format, value)
        return str(value)
    if isinstance(value, float):
        return f"{value:.15g}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y/%m/%d") if value.time() == dt.time() else value.strftime("%Y/%m/%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y/%m/%d")
    return "" if value is None else str(value)


_ZERO_FORMAT = re.compile(r'^(?:0|\\.|"[^"]*"|[-\s])+$')


def zero_format_pattern(code: str) -> str | None:
    """The digit pattern of a zero-padding number format ("0000-000000"), else None."""
    code = code.split(";", 1)[0]
    if not _ZERO_FORMAT.match(code) or code.count("0") < 2:
        return None
    return re.sub(r'\\(.)|"([^"]*)"', lambda m: m.group(1) or m.group(2) or "", code)


def apply_zero_format(pattern: str, value: int) -> str:
    """Fill a non-negative integer into the pattern's 0 slots, right to left."""
    if pattern.isdigit():  # only zeros: plain padding
        return str(value).zfill(len(pattern))
    slots = pattern.count("0")
    digits = str(value).zfill(slots)
    extra, digits = digits[: len(digits) - slots], digits[len(digits) - slots :]
    out, it = [], iter(digits)
    for ch in pattern:
        out.append(next(it) if ch == "0" else ch)
    return extra + "".join(out)


# --- xlsx number formats (leading zeros) -------------------------------------------------

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


_NUMFMT_TAG = re.compile(rb"<(?:\w+:)?numFmt\b([^>]*)>")
_CELL_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.S)
_XF_TAG = re.compile(rb"<(?:\w+:)?xf\b([^>]*)>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')


def _padded_styles(styles: IO[bytes]) -> dict[int, str]:
    """cellXfs index -> digit pattern, for the styles whose number format pads zeros.
    Tags read by regex (an XML parse of styles.xml costs more than the sheet itself);
    anything unexpected goes through the XML parser instead."""
    data = styles.read()
    xfs = _CELL_XFS.search(data)
    if xfs is None:
        return _padded_styles_parsed(io.BytesIO(data))
    codes = {}
    for tag in _NUMFMT_TAG.finditer(data):
        attrs = dict(_ATTR.findall(tag.group(1)))
        if b"numFmtId" in attrs:
            codes[int(attrs[b"numFmtId"])] = html.unescape(attrs.get(b"formatCode", b"").decode("utf-8", "replace"))
    padded = {}
    for index, tag in enumerate(_XF_TAG.finditer(xfs.group(1))):
        fmt_id = int(dict(_ATTR.findall(tag.group(1))).get(b"numFmtId", b"0"))
        pattern = zero_format_pattern(codes.get(fmt_id, ""))
        if pattern:
            padded[index] = pattern
    return padded


def _padded_styles_parsed(styles: IO[bytes]) -> dict[int, str]:
    """cellXfs index -> digit pattern, for the styles whose number format pads zeros."""
    codes: dict[int, str] = {}
    xf_formats: list[int] = []
    in_cell_xfs = False
    for event, elem in iterparse(styles, events=("start", "end"), forbid_dtd=True):
        if elem.tag == _MAIN + "cellXfs":
            in_cell_xfs = event == "start"
        elif event == "end" and elem.tag == _MAIN + "numFmt":
            codes[int(elem.get("numFmtId", "-1"))] = elem.get("formatCode", "")
        elif event == "end" and elem.tag == _MAIN + "xf" and in_cell_xfs:
            xf_formats.append(int(elem.get("numFmtId", "0")))
    padded = {}
    for index, fmt_id in enumerate(xf_formats):
        pattern = zero_format_pattern(codes.get(fmt_id, ""))
        if pattern:
            padded[index] = pattern
    return padded


def _sheet_parts(zf: zipfile.ZipFile, opener: Callable[[str], IO[bytes]]) -> dict[str, str]:
    """Sheet name -> its part name, from workbook.xml and its relationships."""
    targets: dict[str, str] = {}
    with opener("xl/_rels/workbook.xml.rels") as rels:
        for _, elem in iterparse(rels, forbid_dtd=True):
            if elem.tag == _PKG_REL + "Relationship":
                target = elem.get("Target", "").lstrip("/")
                targets[elem.get("Id", "")] = target if target.startswith("xl/") else f"xl/{target}"
    sheets: dict[str, str] = {}
    with opener("xl/workbook.xml") as workbook:
        for _, elem in iterparse(workbook, forbid_dtd=True):
            if elem.tag == _MAIN + "sheet" and elem.get(_REL + "id", "") in targets:
                sheets[elem.get("name", "")] = targets[elem.get(_REL + "id", "")]
    return sheets


def zero_padded_cells(zf: zipfile.ZipFile, opener: Callable[[str], IO[bytes]], deadline: Deadline
                      ) -> dict[str, CellFormats]:
    """Per sheet, the numeric cells whose style pads zeros. Reads sheet XML only when a
    workbook has such a style at all (most do not)."""
    names = set(zf.namelist())
    if "xl/styles.xml" not in names or "xl/workbook.xml" not in names:
        return {}
    with opener("xl/styles.xml") as styles:
        padded = _padded_styles(styles)
    if not padded or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    result: dict[str, CellFormats] = {}
    for sheet, part in _sheet_parts(zf, opener).items():
        if part in names:
            with opener(part) as stream:
                result[sheet] = _padded_cells_in(stream, padded, deadline)
    return result


_SCAN_CHUNK = 4 << 20
_CELL_OVERLAP = 256  # longer than any <c r=".." s=".." t=".."> start tag


def _padded_cells_in(stream: IO[bytes], padded: dict[int, str], deadline: Deadline) -> CellFormats:
    """Cells styled with a padded format, found by a C-speed regex over the raw sheet XML
    (a full XML parse costs more than calamine's whole read). Writers put ``r`` before
    ``s`` (Excel, LibreOffice, openpyxl); string cells (t="s"/"str"/"inlineStr") are left out."""
    pattern_of = {str(i).encode(): fmt for i, fmt in padded.items()}
    cell = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)" s="(' + b"|".join(pattern_of)
                      + rb')"( t="(?:n|s|str|inlineStr|b|e)")?')
    cells: CellFormats = {}
    tail = b""
    while chunk := stream.read(_SCAN_CHUNK):
        deadline.check()
        data = tail + chunk
        for letters, row, style, kind in cell.findall(data):  # tuples: cheaper than match objects
            if kind in (b"", b' t="n"'):
                cells.setdefault(int(row) - 1, {})[col_index(letters.decode())] = pattern_of[style]
        tail = data[-_CELL_OVERLAP:]  # a tag cut at the chunk edge is matched again next round
    return cells


# --- sheets to blocks -----------------------------------------------------------------


def _sheet_rows(sheet: Any, formats: CellFormats, ctx: ScanContext) -> Iterator[tuple[int, list[str]]]:
    """(1-based row, cells from column A) for each non-empty row."""
    col0 = sheet.start[1] if sheet.start else 0
    for r, values in enumerate(sheet.iter_rows()):
        if r % 1000 == 0:
            ctx.deadline.check()
        # once per cell, so the common cases are inline: text, and whole numbers stored as floats
        shown = [v if type(v) is str else str(int(v)) if type(v) is float and v.is_integer() and -1e21 < v < 1e21
                 else display(v) for v in values]
        if not any(shown):
            continue
        for col, pattern in formats.get(r, {}).items():
            if 0 <= col - col0 < len(values):
                shown[col - col0] = display(values[col - col0], pattern)
        cells = [""] * col0 + shown if col0 else shown
        yield r + 1, cells


# --- workbooks ---------------------------------------------------------------------------


def extract_workbook(source: Source, ctx: ScanContext, formats: dict[str, CellFormats] | None = None
                     ) -> Iterator[Block | PartNote]:
    """Every worksheet of a workbook calamine can open (xlsx/xlsm/xlsb/xls/ods)."""
    try:
        workbook = calamine.CalamineWorkbook.from_filelike(source.opener())
    except calamine.PasswordError as exc:
        raise Encrypted(f"workbook password: {exc}") from exc
    except (calamine.CalamineError, ValueError, OSError) as exc:
        raise CorruptFile(f"workbook unreadable: {exc}") from exc
    cells = 0
    for meta in workbook.sheets_metadata:
        if meta.typ != calamine.SheetTypeEnum.WorkSheet:
            continue
        ctx.deadline.check()
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
        except (calamine.CalamineError, ValueError) as exc:
            yield PartNote(meta.name, Outcome.ERROR, f"sheet unreadable: {exc}")
            continue
        cells += sheet.height * sheet.width
        if cells > ctx.limits.max_cells:
            raise LimitExceeded(f"max_cells ({ctx.limits.max_cells}) at sheet {meta.name}")
        sheet_formats = (formats or {}).get(meta.name, {})
        yield from table_blocks(_sheet_rows(sheet, sheet_formats, ctx), meta.name)


def extract_xlsx(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    formats: dict[str, CellFormats] = {}
    try:
        with zipfile.ZipFile(source.opener()) as zf:
            formats = zero_padded_cells(zf, lambda name: open_part(zf, name, ctx), ctx.deadline)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise CorruptFile(f"not a readable xlsx package: {exc}") from exc
    except Exception as exc:  # expat errors from malformed styles or sheet XML
        if type(exc).__module__.startswith(("xml", "defusedxml")):
            raise CorruptFile(f"malformed XML in xlsx: {exc}") from exc
        raise
    yield from extract_workbook(source, ctx, formats)
    yield from extra_blocks(source, ctx)  # comments, text boxes, pivot caches, embedded files: not cells


def _is_xlsx(source: Source) -> bool:
    names = zip_names(source)
    return names is not None and ("xl/workbook.xml" in names or "xl/workbook.bin" in names)


# legacy .xls arrives through scanner.extract.ole (after its FILEPASS check), ods through odf
FORMATS = [
    FormatSpec("xlsx", _is_xlsx, extract_xlsx, priority=70),
]
