"""expat, set up as defusedxml would have it, for the formats that stream big XML.

ElementTree's Python-level parser (the one defusedxml wraps) spends ~13-30 us per element;
XML Spreadsheet exports and mail-merged Word documents hold millions. These formats drive
expat with handlers of their own instead, and refuse what defusedxml refuses: a DTD, and
with it every entity declaration and external entity (no expansion, no fetching).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import IO, Generic, TypeVar
from xml.parsers import expat

from ..encoding import STRICT
from ..errors import CorruptFile, LimitExceeded
from . import ScanContext

T = TypeVar("T")
SEP = "}"  # expat names an element "namespace}local": ElementTree's "{namespace}local" without "{"
READ_BYTES = 1 << 16
# What a streaming reader emits, in document order: ("sheet", name) when a section begins,
# ("row", (row number, cells)) as each row ends, ("end", None) when the section ends.
SectionItem = tuple[str, object]


def expat_name(tag: str) -> str:
    """An ElementTree tag ("{namespace}local") as a safe_parser() names the element."""
    return tag.removeprefix("{")


def safe_parser() -> expat.XMLParserType:
    """A namespace-aware expat parser that buffers text and refuses DTDs and entities."""
    parser = expat.ParserCreate(namespace_separator=SEP)
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.UnparsedEntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    return parser


def feed(parser: expat.XMLParserType, stream: IO[bytes], ctx: ScanContext, what: str = "XML") -> None:
    """The whole stream through ``parser`` in pieces, the deadline checked between them; a
    parse error is CorruptFile("malformed <what>: ...")."""
    try:
        for chunk in chunks(stream, ctx):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise CorruptFile(f"malformed {what}: {exc}") from exc


class ItemReader(Generic[T]):
    """A safe parser whose handlers (``_start``, ``_end``, set by a subclass) append items;
    ``take`` hands over those parsed so far. Cells are counted against max_cells."""

    def __init__(self, max_cells: int) -> None:
        self.parser = parser = safe_parser()
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        self._items: list[T] = []
        self._max_cells, self._cells = max_cells, 0

    def take(self) -> list[T]:
        items, self._items = self._items, []
        return items

    def _count(self, cells: int) -> None:
        self._cells += cells
        if self._cells > self._max_cells:
            raise LimitExceeded(f"max_cells ({self._max_cells})")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        raise NotImplementedError

    def _end(self, name: str) -> None:
        raise NotImplementedError


def streamed(reader: ItemReader[T], stream: IO[bytes], ctx: ScanContext, what: str = "XML") -> Iterator[T]:
    """The reader's items as the stream is parsed, each read's before the next read: a part
    of a million rows is never held whole. A parse error is CorruptFile("malformed <what>")."""
    try:
        for chunk in chunks(stream, ctx):
            reader.parser.Parse(chunk, False)
            yield from reader.take()
        reader.parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise CorruptFile(f"malformed {what}: {exc}") from exc
    yield from reader.take()


def section_rows(items: Iterator[SectionItem]) -> Iterator[tuple[int, list[str]]]:
    """The rows of the section (a sheet) just begun, up to its end."""
    for kind, value in items:
        if kind == "end":
            return
        if kind == "row":
            yield value  # type: ignore[misc]


def chunks(stream: IO[bytes], ctx: ScanContext) -> Iterator[bytes]:
    """The stream in pieces expat can read, the deadline checked before each. expat knows
    UTF-8, UTF-16 and Latin-1 only: a document declared in another encoding (Shift_JIS,
    EUC-JP: exports of Japanese business systems) is decoded here and handed on as UTF-8,
    its declaration saying so."""
    first = stream.read(READ_BYTES)
    declared = _DECLARATION.match(first)
    name = declared.group(2).decode("ascii").lower() if declared else ""
    if not name or name.replace("_", "-") in _EXPAT_ENCODINGS:
        chunk = first
        while chunk:
            ctx.deadline.check()
            yield chunk
            chunk = stream.read(READ_BYTES)
        return
    try:
        codec = codecs.lookup(_AS_WRITTEN.get(name, name)).name
    except LookupError as exc:
        raise CorruptFile(f"XML in an unknown encoding: {name}") from exc
    # What Japanese software calls Shift_JIS is Windows' CP932 (①, ㈱, 髙 ...); STRICT also
    # takes the Microsoft extensions of EUC-JP (scanner.encoding).
    decoder = codecs.getincrementaldecoder("cp932" if codec == "shift_jis" else codec)(STRICT)
    assert declared is not None
    chunk = declared.group(1) + b"UTF-8" + first[declared.end(2):]  # the declaration is ASCII
    try:
        while chunk:
            ctx.deadline.check()
            yield decoder.decode(chunk).encode("utf-8")
            chunk = stream.read(READ_BYTES)
        yield decoder.decode(b"", final=True).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptFile(f"XML not in its declared encoding {name}: {exc.reason} at byte {exc.start}") from exc


# <?xml ... encoding="..."?> at the very start (after a UTF-8 BOM or blanks)
_DECLARATION = re.compile(rb"""(\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\sencoding\s*=\s*["'])([A-Za-z0-9._-]+)""")
_AS_WRITTEN = {"windows-31j": "cp932", "x-sjis": "cp932", "csshiftjis": "cp932", "x-euc-jp": "euc-jp"}
_EXPAT_ENCODINGS = frozenset({"utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "us-ascii", "ascii",
                              "iso-8859-1", "latin-1", "latin1"})


def _refuse_dtd(*_args: object) -> int:  # an int for ExternalEntityRefHandler's signature
    raise CorruptFile("malformed XML: a DTD or entity declaration (refused, as defusedxml does)")
