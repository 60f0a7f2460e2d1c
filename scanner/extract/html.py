"""HTML (saved web pages, reports from business systems, and the ".xls" files many Japanese
systems export, which are HTML tables under an Excel name) through the standard parser.

Tables become TableBlocks, so a <th>基礎年金番号</th> heads its column however many rows
below; the rest is text without its tags, one line per block element. Scripts and styles
are skipped. Decoding is the text reader's (BOM, UTF-8, CP932, EUC-JP, ISO-2022-JP).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser

from ..errors import Unsupported
from ..model import Block, PartNote
from . import FormatSpec, ScanContext, Source
from .listing import ListingReader
from .tables import table_blocks
from .text import head_guess, line_chunks, open_text, problem_notes

_START = re.compile(rb"\s*<(?:!doctype\s+html|html|head|body|table|meta|title)\b", re.IGNORECASE)
_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "dt", "dd", "section",
                         "article", "header", "footer", "blockquote", "pre", "caption", "title"})
_SKIPPED = frozenset({"script", "style", "template"})
# A ruby's reading (<ruby>山田<rt>やまだ</rt></ruby>): read inline it made 山田やまだ.
_READING = frozenset({"rt", "rp"})


def _span(attrs: list[tuple[str, str | None]], name: str) -> int:
    """A cell's colspan or rowspan: 1 where missing or unreadable (rowspan="0" too)."""
    value = dict(attrs).get(name) or ""
    return min(max(int(value), 1), _MAX_SPAN) if value.strip().isdecimal() else 1


_MAX_SPAN = 1000  # what browsers allow a colspan
_MAX_WIDTH = 1000  # columns a row is widened to by spans, at most
_MAX_PLACED = 1_000_000  # empty cells spans may add to a page's tables


def _is_html(source: Source) -> bool:
    head = source.head[:1024].removeprefix(b"\xef\xbb\xbf")
    return _START.match(head) is not None or (source.suffix in ("html", "htm") and b"<" in head)


class _Collector(HTMLParser):
    """Text lines outside tables, and finished tables (rows of cell texts)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.tables: list[list[list[str]]] = []
        self._tables: list[list[list[str]]] = []  # open tables, innermost last
        self._below: list[dict[int, int]] = []  # per open table: column -> rows a rowspan still covers
        self._cell: list[str] | None = None
        self._span = (1, 1)  # the open cell's colspan and rowspan
        self._placed = 0  # empty cells spans have added, in all tables
        self._skipping = 0
        self._reading = False  # in a ruby's reading (<rt>やまだ</rt>) or its parenthesis (<rp>)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # a reading ends at its end tag, which HTML lets a page leave out, or where its ruby goes on
        self._reading = tag in _READING
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag == "table":
            self._tables.append([])
            self._below.append({})
        elif tag == "tr" and self._tables:
            self._end_row()
            self._tables[-1].append([])
        elif tag in ("td", "th") and self._tables:
            self._end_cell()
            self._cell = []
            self._span = (_span(attrs, "colspan"), _span(attrs, "rowspan"))
            if self._tables[-1]:
                self._covered(self._tables[-1][-1])
        elif tag in _BLOCK_TAGS:
            self._break()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._break()

    def handle_endtag(self, tag: str) -> None:
        self._reading = False
        if tag in _SKIPPED:
            self._skipping = max(self._skipping - 1, 0)
        elif tag in ("td", "th"):
            self._end_cell()
        elif tag == "table" and self._tables:
            self._end_cell()
            self._end_row()
            self._below.pop()
            rows = [row for row in self._tables.pop() if row]
            if self._tables and self._cell is not None:  # a table in a cell: its text joins the cell
                self._cell.append(" ".join("\t".join(row) for row in rows))
            elif rows:
                self.tables.append(rows)
        elif tag in _BLOCK_TAGS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self._skipping or self._reading:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif not self._tables:
            self.lines[-1] += data

    def _end_cell(self) -> None:
        if self._cell is not None and self._tables and self._tables[-1]:
            row, (colspan, rowspan) = self._tables[-1][-1], self._span
            col = len(row)
            colspan = max(1, min(colspan, _MAX_WIDTH - col))  # a hostile page's spans stay bounded
            self._placed += colspan - 1
            # a cell spanning columns leaves empty ones after it, one spanning rows the same
            # columns of the rows below: each value stays under its own header (氏名 over 姓 | 名)
            row.extend([" ".join("".join(self._cell).split())] + [""] * (colspan - 1))
            if rowspan > 1:
                self._below[-1].update(dict.fromkeys(range(col, col + colspan), rowspan - 1))
        self._cell = None

    def _end_row(self) -> None:
        """The row's last columns a rowspan from above covers, past its own cells: counted off
        (no cells added: nothing after them needs placing)."""
        if self._tables and self._tables[-1] and self._below[-1]:
            width, below = len(self._tables[-1][-1]), self._below[-1]
            for col in [col for col in below if col >= width]:
                below[col] -= 1
                if not below[col]:
                    del below[col]

    def _covered(self, row: list[str]) -> None:
        """Empty cells in ``row`` where rowspans from above cover the next cell's place."""
        below = self._below[-1]
        if self._placed > _MAX_PLACED:
            below.clear()  # a hostile page's spans: the rest of its cells unplaced, not a million each
        while len(row) in below:
            self._placed += 1
            col = len(row)
            row.append("")
            below[col] -= 1
            if not below[col]:
                del below[col]

    def _break(self) -> None:
        if self._cell is not None:
            self._cell.append(" ")
        elif not self._tables and self.lines[-1].strip():
            self.lines.append("")

    def take_lines(self) -> list[str]:
        done, self.lines = self.lines[:-1], self.lines[-1:]
        return [line.strip() for line in done if line.strip()]


def extract_html(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    if head_guess(source) is None:
        raise Unsupported("binary")
    stream = open_text(source, ctx)
    yield from html_blocks(stream, "", ctx)
    yield from problem_notes(stream)


def html_blocks(pieces: Iterable[str], where: str, ctx: ScanContext) -> Iterator[Block]:
    """HTML fed piece by piece: its text outside tables as TextBlocks (at ``where``, or "text"),
    each table as a TableBlock under its header row (at "``where`` table N")."""
    parser = _Collector()
    tables = 0
    prefix = f"{where} " if where else ""

    def ready() -> Iterator[Block]:
        nonlocal tables
        lines = parser.take_lines()
        if lines:
            for chunk, _line in line_chunks(["\n".join(lines)], ctx.limits.text_chunk_chars):
                yield from ListingReader(where or "text").blocks(chunk, None)  # a report in <pre>
        for rows in parser.tables:
            tables += 1
            yield from table_blocks(enumerate(rows, start=1), f"{prefix}table {tables}")
        parser.tables.clear()

    for piece in pieces:
        ctx.deadline.check()
        parser.feed(piece)
        yield from ready()
    parser.close()
    parser.lines.append("")
    yield from ready()


FORMATS = [FormatSpec("html", _is_html, extract_html, priority=15)]
