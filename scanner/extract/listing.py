"""Listings in plain text: a header line over rows set out under it (a 帳票 printed to a text
file, a list typed with spaces), read as a table, so the header gives each column its
context however many lines below it a value sits.

A header is a line of two or more short labels without digits, set apart by a tab, two
spaces or full-width spaces, one of them a column word (番号, 氏名, 生年月日 ...): a letter's
"山田　太郎様" is not one. The listing is the run of non-blank lines under it, three at least,
most of them filling two columns or more.

A row with as many fields as the header is taken field by field. Any other row is cut where
the header's columns are: midway between one label's end and the next one's start, in display
columns (a full-width character is two). A name holding a full-width space (山田　太郎) so
stays in its column when the listing is aligned, and spills into the next one when it is not:
the number at the end of the line still falls under its own header.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from ..model import Block, TableBlock, TextBlock
from .tables import COLUMN_WORD_RE, word_label

MIN_ROWS = 3
_JUDGED_ROWS = 10
_FIELDS = re.compile(r"[^\t\u3000 ]+(?: [^\t\u3000 ]+)*")  # runs apart by a tab, U+3000 or two spaces
_HAS_DIGIT = re.compile(r"\d")
_WIDE = frozenset({"W", "F"})


@dataclass(frozen=True, slots=True)
class Columns:
    labels: list[str]
    bounds: list[int]  # display column where each label's column begins (the first is 0)


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in _WIDE else 1


def header_columns(line: str) -> Columns | None:
    """The columns a header line sets out, or None when the line is not a header."""
    if "\t" not in line and "\u3000" not in line and "  " not in line:
        return None  # the usual line: one C search each, no split
    if COLUMN_WORD_RE.search(line) is None:
        return None  # before the split: an indented line of prose (a changelog's) holds none
    fields = [(m.start(), m.end(), m.group()) for m in _FIELDS.finditer(line)]
    labels = [text for _, _, text in fields]
    if (len(labels) < 2 or not all(map(word_label, labels))
            or len(set(labels)) < len(labels)):
        return None
    offsets = _display_offsets(line)
    starts = [offsets[start] for start, _, _ in fields]
    ends = [offsets[end] for _, end, _ in fields]
    bounds = [0] + [(ends[i - 1] + starts[i] + 1) // 2 for i in range(1, len(fields))]
    return Columns(labels, bounds)


def _display_offsets(line: str) -> list[int]:
    """The display column at each character offset (and one past the end)."""
    offsets = [0]
    for ch in line:
        offsets.append(offsets[-1] + _width(ch))
    return offsets


def cut(line: str, columns: Columns) -> list[str]:
    """The line's cells under the header's columns: its fields, when it has as many as the
    header (a list typed with spaces); else cut at the columns' display positions, a
    character going where it starts (a report whose names hold a full-width space)."""
    fields = _FIELDS.findall(line)
    if len(fields) == len(columns.bounds):
        return fields
    cells = [""] * len(columns.bounds)
    col, at = 0, 0
    bounds = columns.bounds
    for ch in line:
        while col + 1 < len(bounds) and at >= bounds[col + 1]:
            col += 1
        cells[col] += ch
        at += _width(ch)
    return [cell.strip(" \t\u3000") for cell in cells]


_FIELD_BREAKS = ("\t", "\u3000", "  ")

_FORM_SHARE = 0.8  # of a run's lines opening with a field's label: a form typed as text
_FEW_BREAKS = 256  # field breaks in a chunk up to which each one's line is looked at


def _header_lines(chunk: str) -> list[tuple[int, Columns]]:
    """(line number, columns) of each header line in the chunk, in order. Only lines with
    a field break (a tab, U+3000, two spaces) and a column word can be headers. Where breaks
    are few (prose, a letter's 山田　太郎 line) each one's line is looked at; where they are
    many (a changelog's indented lines, a TSV) the lines are found from their column words
    instead, by one regex search from line to line."""
    breaks = sum(chunk.count(brk) for brk in _FIELD_BREAKS)
    if not breaks:
        return []
    starts = _lines_with(chunk, _FIELD_BREAKS) if breaks <= _FEW_BREAKS else _lines_with_column_words(chunk)
    found: list[tuple[int, Columns]] = []
    line_no, counted_to = 0, 0
    for start in starts:
        end = chunk.find("\n", start)
        line = chunk[start:] if end == -1 else chunk[start:end]
        columns = header_columns(line[:-1] if line.endswith("\r") else line)
        if columns is not None:
            line_no += chunk.count("\n", counted_to, start)
            counted_to = start
            found.append((line_no, columns))
    return found


def _lines_with(chunk: str, needles: tuple[str, ...]) -> list[int]:
    """Where each line holding one of the needles starts, in order (C searches only)."""
    starts: set[int] = set()
    for needle in needles:
        at = chunk.find(needle)
        while at != -1:
            starts.add(chunk.rfind("\n", 0, at) + 1)
            end = chunk.find("\n", at)
            at = -1 if end == -1 else chunk.find(needle, end)
    return sorted(starts)


def _lines_with_column_words(chunk: str) -> Iterator[int]:
    """Where each line holding a column word starts, in order."""
    pos = 0
    while (word := COLUMN_WORD_RE.search(chunk, pos)) is not None:
        yield chunk.rfind("\n", 0, word.start()) + 1
        end = chunk.find("\n", word.end())
        if end == -1:
            return
        pos = end + 1


def _a_form(lines: list[str]) -> bool:
    """Lines that each open with a field's label (a column word) set apart from its value:
    氏名　　山田　太郎 / 生年月日　　昭和45年1月2日 / 基礎年金番号　　1234567890, a form typed
    as text. Its first line looks like a header, but each line is its own label and value,
    and the text reader keeps them together (a listing's rows open with names or numbers)."""
    firsts = [m.group() for m in map(_FIELDS.search, lines) if m is not None]
    labelled = sum(1 for first in firsts if COLUMN_WORD_RE.search(first) and not _HAS_DIGIT.search(first))
    return bool(firsts) and labelled >= _FORM_SHARE * len(firsts)


def _run_ends(lines: list[str]) -> list[int]:
    """For each line, where the run of non-blank lines from it ends (one pass from the end:
    a file of many header-like lines must not be scanned again from each of them)."""
    ends = [len(lines)] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        ends[i] = ends[i + 1] if lines[i].strip() else i
    return ends


def _shape(line: str) -> tuple[bool, ...]:
    """A row's fields (apart by a tab, U+3000 or two spaces), each as whether it holds a
    digit: 山田　太郎　　1234567890 is (no, no, yes); a letter's lines are shaped otherwise."""
    return tuple(_HAS_DIGIT.search(field) is not None for field in _FIELDS.findall(line.strip()))


class ListingReader:
    """Splits text chunks into TextBlocks and listing TableBlocks, keeping line numbers; a
    listing cut by a chunk's end goes on under the same header in the next chunk."""

    def __init__(self, where: str = "", *, pages: bool = False) -> None:
        self.where = where  # a caller reading pages sets it for each page
        # Pages, not chunks of one text: a listing a page ends in goes on at the top of the
        # next only where that page's lines fit its columns (a roster printed over pages,
        # its header on the first); the next page may as well be a letter.
        self.pages = pages
        self._open: Columns | None = None  # a listing the previous chunk ended inside
        self._shapes: set[tuple[bool, ...]] = set()  # pages: the shapes of its last rows

    def blocks(self, chunk: str, first_line: int | None) -> Iterator[Block]:
        """The chunk as it was (one TextBlock) unless a listing is in it; text around a listing
        keeps its exact characters and line numbers. ``first_line`` None: text where lines
        mean nothing (a PDF page); a listing's rows are then numbered from the chunk's start."""
        headers = _header_lines(chunk)
        if not headers and self._open is None:
            yield TextBlock(chunk, where=self.where, first_line=first_line)  # the usual chunk
            return
        raw = chunk.split("\n")
        if raw and raw[-1] == "":
            raw.pop()  # a chunk ends at a line end
        lines = [line[:-1] if line.endswith("\r") else line for line in raw]  # CRLF (pdfium, Windows)
        tables: list[tuple[int, int, Columns, bool]] = []  # (first line, end, columns, with header)
        run_end = _run_ends(lines)
        i = 0
        if self._open is not None:  # the listing the last chunk ended in, under its header
            end = run_end[0]
            if self.pages and not self._same_shape(lines[:min(end, _JUDGED_ROWS)]):
                end = 0  # the page is no more of it (a letter after a roster)
            if end:
                tables.append((0, end, self._open, False))
            i = end
            self._open = self._open if end == len(lines) else None
        for h, columns in headers:
            if h < i:
                continue  # a header-like line inside a listing already taken
            end = run_end[h + 1]
            if (end - h - 1 < MIN_ROWS or not self._tabular(lines[h + 1:min(end, h + 1 + _JUDGED_ROWS)], columns)
                    or _a_form(lines[h:min(end, h + 1 + _JUDGED_ROWS)])):
                continue
            tables.append((h, end, columns, True))
            self._open = columns if end == len(lines) else None
            i = end
        if self.pages:
            self._shapes = {_shape(line) for line in lines[-_JUDGED_ROWS:]} if self._open is not None else set()
        if not tables:
            yield TextBlock(chunk, where=self.where, first_line=first_line)
            return
        starts = [0]
        for line in raw:
            starts.append(starts[-1] + len(line) + 1)
        line_of = (lambda i: None) if first_line is None else (lambda i: first_line + i)  # noqa: E731
        text_from = 0
        for start, end, columns, with_header in tables:
            if text_from < start:
                yield TextBlock(chunk[starts[text_from]:starts[start]], where=self.where, first_line=line_of(text_from))
            yield self._table(lines, start, end, 1 if first_line is None else first_line, columns,
                              with_header=with_header)
            text_from = end
        if chunk[starts[text_from]:].strip():
            yield TextBlock(chunk[starts[text_from]:], where=self.where, first_line=line_of(text_from))

    def _same_shape(self, rows: list[str]) -> bool:
        """Most rows shaped as the last rows of the listing the previous page ended in."""
        return bool(rows) and sum(1 for row in rows if _shape(row) in self._shapes) >= 0.8 * len(rows)

    @staticmethod
    def _tabular(rows: list[str], columns: Columns) -> bool:
        """Most rows fill two columns or more: a listing, not a paragraph under a heading.
        ``rows``: the first _JUDGED_ROWS at most (a header is judged on what follows it closely,
        so a file of a thousand header-like lines costs a thousand small looks, not a square)."""
        filled = sum(1 for row in rows if sum(1 for cell in cut(row, columns) if cell) >= 2)
        return filled >= 0.8 * len(rows)

    def _table(self, lines: list[str], start: int, end: int, first_line: int, columns: Columns, *,
               with_header: bool) -> TableBlock:
        rows = [cut(line, columns) for line in lines[start + (1 if with_header else 0):end]]
        if with_header:
            rows.insert(0, list(columns.labels))
        return TableBlock(rows=rows, headers=list(columns.labels), where=self.where, first_row=first_line + start)
