"""Word and PowerPoint (docx/docm/pptx/pptm) text by streaming XML parts out of the ZIP.

Body paragraphs, tables (as TableBlocks with headers), headers/footers, footnotes,
comments, text boxes, slides and notes. A part's XML is streamed through expat with
handlers of our own, so a big part never sits in memory as a tree. expat is driven directly,
not through ElementTree: ElementTree's Python-level parser (which defusedxml wraps) spent
~13 us per element, and a mail merge of thousands of letters in one docx holds millions. What
defusedxml guards against is refused the same way: a DTD, and with it every entity
declaration and external entity. The small [Content_Types].xml is still read with defusedxml.

Also home of the small ZIP helpers the other ZIP-based formats share.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO
from xml.parsers import expat

from defusedxml.ElementTree import iterparse

from ..errors import CorruptFile, LimitExceeded
from ..model import Block, Outcome, PartNote, TextBlock
from . import FormatSpec, ScanContext, Source
from .archive import check_ratio, member_budget, scan_member
from .tables import table_blocks
from .xml_stream import expat_name, feed, safe_parser

ZIP_MAGIC = b"PK\x03\x04"

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"

# Word and DrawingML share a shape: paragraph, text run, table, row, cell.
# "dt": text a tracked change deleted, which stays in the file until the change is accepted.
_WORD_TAGS = {"p": W + "p", "t": W + "t", "dt": W + "delText", "tbl": W + "tbl", "tr": W + "tr", "tc": W + "tc"}
DRAWING_TAGS = {"p": A + "p", "t": A + "t", "tbl": A + "tbl", "tr": A + "tr", "tc": A + "tc"}
_BREAKS = {W + "tab": "\t", W + "br": "\n", W + "cr": "\n", A + "br": "\n"}

# The tags above in expat's form, worked out once, not each name per event.
# Skipped with all they hold: mc:Fallback repeats what mc:Choice holds (a text box drawn two
# ways); w:rt and ODF's text:ruby-text are a ruby's reading (やまだ over 山田), which read
# inline made やまだ山田.
_SKIPPED = (MC_FALLBACK, W + "rt", "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}ruby-text")
_BREAK_CHARS = {expat_name(tag): char for tag, char in _BREAKS.items()}
_GRID_SPAN, _GRID_BEFORE = expat_name(W + "gridSpan"), expat_name(W + "gridBefore")
_GRID_NAMES = frozenset({_GRID_SPAN, _GRID_BEFORE})
_W_VAL = expat_name(W + "val")
_MAX_GRID = 64  # Word allows 63 columns: a larger span is a broken file's, not a table's
_ODF_REPEATED = expat_name("{urn:oasis:names:tc:opendocument:xmlns:table:1.0}number-columns-repeated")

# Objects embedded in a document: an Excel roster pasted into a Word letter is a whole
# workbook in word/embeddings/, while the page shows only its picture.
_EMBEDDING = re.compile(r"(?:word|ppt|xl)/embeddings/[^/]+")
_WORD_PART = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml$")
_SLIDE_PART = re.compile(r"ppt/(slides/slide|notesSlides/notesSlide|comments/comment)(\d+)\.xml$")

# A part's kind is its content type ([Content_Types].xml), not its name: Word Online and
# SharePoint save the body as word/document2.xml or word/document22.xml (ECMA-376 asks only
# that it be the package's officeDocument). The usual names are the fallback.
CONTENT_TYPES = "[Content_Types].xml"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_MAX_CONTENT_TYPES_BYTES = 4 << 20
_WORD_MAIN_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)
_WORD_TYPES = {t: "document" for t in _WORD_MAIN_TYPES} | {
    f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml": kind
    for kind in ("header", "footer", "footnotes", "endnotes", "comments")}
_SLIDE_TYPES = {
    "application/vnd.openxmlformats-officedocument.presentationml.slide+xml": "slides/slide",
    "application/vnd.openxmlformats-officedocument.presentationml.notesSlide+xml": "notesSlides/notesSlide",
    "application/vnd.openxmlformats-officedocument.presentationml.comments+xml": "comments/comment",
}
_PRESENTATION_MAIN_TYPES = tuple(
    f"application/vnd.{family}.{kind}.main+xml"
    for family, kind in (("openxmlformats-officedocument.presentationml", "presentation"),
                         ("openxmlformats-officedocument.presentationml", "slideshow"),
                         ("openxmlformats-officedocument.presentationml", "template"),
                         ("ms-powerpoint", "presentation.macroEnabled"),
                         ("ms-powerpoint", "slideshow.macroEnabled"),
                         ("ms-powerpoint", "template.macroEnabled")))


# --- shared ZIP helpers ---------------------------------------------------------


def zip_names(source: Source) -> frozenset[str] | None:
    """Member names of a ZIP source, or None when it is not a readable ZIP."""
    if not source.head.startswith(ZIP_MAGIC):
        return None
    try:
        with zipfile.ZipFile(source.opener()) as zf:
            return frozenset(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


def open_zip(source: Source) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source.opener())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise CorruptFile(f"not a readable ZIP package: {exc}") from exc


def open_part(zf: zipfile.ZipFile, name: str, ctx: ScanContext) -> IO[bytes]:
    """Open a package part after checking its declared size and ratio (office zip bombs)."""
    info = zf.getinfo(name)
    limits = ctx.limits
    if info.file_size > limits.archive_max_total_bytes:
        raise LimitExceeded(f"archive_max_total_bytes ({limits.archive_max_total_bytes}) in part {name}")
    if info.file_size > 1 << 20 and info.file_size > limits.archive_max_ratio * max(info.compress_size, 1):
        raise LimitExceeded(f"archive_max_ratio ({limits.archive_max_ratio:g}) in part {name}")
    return zf.open(info)


def content_types(zf: zipfile.ZipFile) -> dict[str, str]:
    """Member name -> content type, from the package's overrides; {} when the package has none
    or they cannot be read (the usual part names still count). Part names are matched to
    members without regard to case, as OPC compares them; a declared part with no member
    keeps its declared name (no leading slash)."""
    try:
        info = zf.getinfo(CONTENT_TYPES)
        if info.file_size > _MAX_CONTENT_TYPES_BYTES:
            return {}
        members = {name.lower(): name for name in zf.namelist()}
        types: dict[str, str] = {}
        with zf.open(info) as stream:
            for _event, elem in iterparse(stream, events=("end",)):
                if elem.tag == _CT + "Override":
                    part = elem.get("PartName", "").lstrip("/")
                    types[members.get(part.lower(), part)] = elem.get("ContentType", "")
                elem.clear()
        return types
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, SyntaxError):
        return {}  # ParseError is a SyntaxError; defusedxml's refusals are ValueErrors


def _package_types(source: Source) -> dict[str, str]:
    try:
        with zipfile.ZipFile(source.opener()) as zf:
            return content_types(zf)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return {}


def embedded_files(source: Source, zf: zipfile.ZipFile, ctx: ScanContext) -> Iterator[Block | PartNote]:
    """Embedded objects (workbooks, documents, OLE packages), scanned like archive members."""
    for info in zf.infolist():
        if info.is_dir() or not _EMBEDDING.fullmatch(info.filename):
            continue
        ctx.deadline.check()
        check_ratio(info.filename, info.file_size, info.compress_size, ctx)
        with zf.open(info) as stream:
            yield from scan_member(source, info.filename, stream, min(info.file_size, member_budget(ctx)), ctx)


# --- streaming text and tables out of one XML part --------------------------------


class _PartReader:
    """expat handlers that collect the paragraphs and tables of one part.

    A run's text is the text directly inside its t element before any child (ElementTree's
    ``elem.text``, which this reader used to be built on). With ``whole_text`` (ODF) a
    paragraph's text is all text inside it, spans and nested paragraphs included.
    """

    def __init__(self, tags: dict[str, str], whole_text: bool = False) -> None:
        self.whole_text = whole_text
        self.paragraphs: list[str] = []  # paragraphs outside tables
        self.tables: list[list[list[str]]] = []
        self._para_stack: list[list[str]] = []
        self._table_stack: list[list[list[str]]] = []
        self._cell_stack: list[list[str]] = []
        self._runs: list[list[str]] = []  # open t elements' text
        self._run: list[str] | None = None  # where text goes while it is a t element's own
        self._whole: list[str] | None = None  # whole_text: all text in the outermost open paragraph
        self._whole_starts: list[int] = []  # where each open paragraph's text begins in it
        self._spans: list[int] = []  # grid columns each open cell spans
        self._attrs: dict[str, str] = {}  # the attributes of the element a handler is called for
        self._skip = 0  # depth of skipped elements (mc:Fallback, w:rt) of one name we are in
        self._skip_name = ""

        def role(*keys: str) -> list[str]:
            return [tags[k] for k in keys if k in tags]

        self._on_start = _dispatch([
            (list(_SKIPPED), self._start_skip), (role("p", "h"), self._start_paragraph),
            (role("tbl"), self._start_table), (role("tr"), self._start_row), (role("tc", "tc_covered"), self._start_cell),
            (role("t", "dt"), self._start_run)])
        self._on_end = _dispatch([
            (role("t", "dt"), self._end_run), (list(_BREAKS), self._end_break),
            (role("p", "h"), self._end_paragraph_tag), (role("tc", "tc_covered"), self._end_cell),
            (role("tbl"), self._end_table)])
        self.parser = self._new_parser()

    def _new_parser(self) -> expat.XMLParserType:
        """An expat parser feeding this reader, refusing what defusedxml refuses."""
        parser = safe_parser()
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        return parser

    # -- expat handlers: every element, then the one for its name --

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self._run = None  # text after a child begins is not the parent's own
        handler = self._on_start.get(name)
        if handler is not None:
            self._attrs = attrs
            handler(name)
        elif name in _GRID_NAMES:
            self._grid(name, attrs)

    def _end(self, name: str) -> None:
        self._run = None  # text after a child ends is its tail, not the parent's
        handler = self._on_end.get(name)
        if handler is not None:
            handler(name)

    # Inside a skipped element (_SKIPPED), other handlers count elements of its name in and
    # out and read nothing, so the common path above never checks for one.

    def _start_skip(self, name: str) -> None:
        self._skip, self._skip_name = 1, name
        self.parser.StartElementHandler = self._start_skipped
        self.parser.EndElementHandler = self._end_skipped

    def _start_skipped(self, name: str, _attrs: object) -> None:
        self._skip += name == self._skip_name

    def _end_skipped(self, name: str) -> None:
        self._skip -= name == self._skip_name
        if not self._skip:
            self.parser.StartElementHandler = self._start
            self.parser.EndElementHandler = self._end

    def _text(self, data: str) -> None:
        if self._run is not None:
            self._run.append(data)
        if self._whole is not None and not self._skip:  # all of it but what is skipped
            self._whole.append(data)

    def _start_paragraph(self, _name: str) -> None:
        self._para_stack.append([])
        if self.whole_text:
            if self._whole is None:
                self._whole = []
            self._whole_starts.append(len(self._whole))

    def _start_table(self, _name: str) -> None:
        self._table_stack.append([])

    def _start_row(self, _name: str) -> None:
        if self._table_stack:
            self._table_stack[-1].append([])

    def _start_cell(self, _name: str) -> None:
        self._cell_stack.append([])
        repeated = self._attrs.get(_ODF_REPEATED)  # ODF writes a run of like cells as one
        self._spans.append(min(int(repeated), _MAX_GRID) if repeated and repeated.isdecimal() else 1)

    def _grid(self, name: str, attrs: dict[str, str]) -> None:
        """A Word cell merged across grid columns (w:gridSpan) or a row that starts past its
        first ones (w:gridBefore): the empty cells they stand for are added, so each value
        stays under its own column's header (氏名 merged over 姓 | 名)."""
        try:
            count = min(max(int(attrs.get(_W_VAL, "1")), 1), _MAX_GRID)
        except ValueError:
            return
        if name == _GRID_SPAN:
            if self._spans:
                self._spans[-1] = count
        elif self._table_stack and self._table_stack[-1]:
            self._table_stack[-1][-1].extend([""] * count)  # w:gridBefore, in the row's w:trPr

    def _start_run(self, _name: str) -> None:
        self._run = []
        self._runs.append(self._run)

    def _end_run(self, _name: str) -> None:
        text = "".join(self._runs.pop())
        if self._para_stack:
            self._para_stack[-1].append(text)

    def _end_break(self, name: str) -> None:
        if self._para_stack:
            self._para_stack[-1].append(_BREAK_CHARS[name])

    def _end_paragraph_tag(self, _name: str) -> None:
        if not self._para_stack:
            return
        runs = self._para_stack.pop()
        if self._whole is None:
            self._end_paragraph("".join(runs))
            return
        self._end_paragraph("".join(self._whole[self._whole_starts.pop():]))
        if not self._para_stack:
            self._whole = None

    def _end_paragraph(self, text: str) -> None:
        # a text box's paragraphs end before the paragraph holding them: each is its own line
        if self._cell_stack:
            self._cell_stack[-1].append(text)
        else:
            self.paragraphs.append(text)

    def _end_cell(self, _name: str) -> None:
        if self._cell_stack:
            cell = "\n".join(self._cell_stack.pop())
            span = self._spans.pop() if self._spans else 1
            if self._table_stack and self._table_stack[-1]:
                self._table_stack[-1][-1].extend([cell] + [""] * (span - 1))

    def _end_table(self, _name: str) -> None:
        if self._table_stack:
            self.tables.append(self._table_stack.pop())


def _dispatch(roles: list[tuple[list[str], Callable[[str], None]]]) -> dict[str, Callable[[str], None]]:
    """expat name -> handler, called with that name. Where two roles share a tag (the "-"
    placeholders of parts without tables or runs), the first listed wins."""
    handlers: dict[str, Callable[[str], None]] = {}
    for tags, handler in roles:
        for tag in tags:
            handlers.setdefault(expat_name(tag), handler)
    return handlers


def read_part(stream: IO[bytes], tags: dict[str, str], ctx: ScanContext, whole_text: bool = False
              ) -> _PartReader:
    """Stream one XML part through expat; skips mc:Fallback copies so text boxes are not read twice."""
    reader = _PartReader(tags, whole_text)
    feed(reader.parser, stream, ctx)
    return reader


def part_blocks(reader: _PartReader, where: str, chunk_chars: int) -> Iterator[Block]:
    """The paragraphs of a part as TextBlocks (one line per paragraph), then its tables."""
    yield from _text_chunks(reader.paragraphs, where, chunk_chars)
    for n, rows in enumerate(reader.tables, start=1):
        yield from table_blocks(enumerate(rows, start=1), f"{where} table {n}")


def _text_chunks(lines: list[str], where: str, chunk_chars: int) -> Iterator[TextBlock]:
    start, size = 0, 0
    for i, line in enumerate(lines):
        size += len(line) + 1
        if size >= chunk_chars:
            yield TextBlock("\n".join(lines[start : i + 1]), where=where, first_line=start + 1)
            start, size = i + 1, 0
    if start < len(lines) and any(lines[start:]):
        yield TextBlock("\n".join(lines[start:]), where=where, first_line=start + 1)


# --- docx / pptx --------------------------------------------------------------------


def _is_word(source: Source) -> bool:
    return _is_package(source, "word/document.xml", "word/", _WORD_MAIN_TYPES)


def _is_powerpoint(source: Source) -> bool:
    return _is_package(source, "ppt/presentation.xml", "ppt/", _PRESENTATION_MAIN_TYPES)


def _is_package(source: Source, usual_main: str, folder: str, main_types: tuple[str, ...]) -> bool:
    """The usual main part's name, or else (a package under ``folder`` without it) a part
    whose content type is a main one."""
    names = zip_names(source)
    if names is None:
        return False
    if usual_main in names:
        return True
    if CONTENT_TYPES not in names or not any(n.startswith(folder) for n in names):
        return False
    return any(t in main_types for t in _package_types(source).values())


def _word_parts(zf: zipfile.ZipFile, types: dict[str, str]) -> list[str]:
    """The text parts of a Word package, the body first: by content type, and by the usual names."""
    names = set(zf.namelist())
    kinds = {n: t for n, t in types.items() if t in _WORD_TYPES and n in names}
    parts = kinds.keys() | {n for n in names if _WORD_PART.match(n)}
    main = {n for n in parts if _WORD_TYPES.get(kinds.get(n, ""), "") == "document" or n == "word/document.xml"}
    return sorted(parts, key=lambda n: (n not in main, _part_order(n)))


def _missing_parts(zf: zipfile.ZipFile, types: dict[str, str], text_types: Iterable[str]) -> Iterator[PartNote]:
    """Text parts the package declares but does not hold: a damaged package (a name in its
    directory overwritten), whose text would otherwise be missed without a word."""
    names = set(zf.namelist())
    wanted = set(text_types)
    for name in sorted(n for n, t in types.items() if t in wanted and n not in names):
        yield PartNote(name, Outcome.ERROR, f"declared in {CONTENT_TYPES} but missing from the package")


def _slide_parts(zf: zipfile.ZipFile, types: dict[str, str]) -> dict[str, str]:
    """Slide, notes and comment parts -> where their findings are (``slide 3``), slides first."""
    names = set(zf.namelist())
    kinds = {n: _SLIDE_TYPES[t] for n, t in types.items() if t in _SLIDE_TYPES and n in names}
    for n in names:
        m = _SLIDE_PART.match(n)
        if m:
            kinds.setdefault(n, m.group(1))
    rank = list(_SLIDE_TYPES.values())
    ordered = sorted(kinds, key=lambda n: (rank.index(kinds[n]), _part_order(n)))
    return {n: _slide_where(n, kinds[n]) for n in ordered}


_PART_RANK = ("word/document.xml", "ppt/slides/", "ppt/notesSlides/")


def _part_order(name: str) -> tuple[int, int, str]:
    """The body first (slides, then notes), then the rest; slide2 before slide10."""
    rank = next((r for r, prefix in enumerate(_PART_RANK) if name.startswith(prefix)), len(_PART_RANK))
    m = re.search(r"(\d+)\.xml$", name)
    return rank, int(m.group(1)) if m else 0, name


def extract_word(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    with open_zip(source) as zf:
        types = content_types(zf)
        yield from _missing_parts(zf, types, _WORD_TYPES)
        for name in _word_parts(zf, types):
            with open_part(zf, name, ctx) as stream:
                reader = read_part(stream, _WORD_TAGS, ctx)
            yield from part_blocks(reader, name, ctx.limits.text_chunk_chars)
        yield from embedded_files(source, zf, ctx)


def _slide_where(name: str, kind: str) -> str:
    """``slide 3`` from ppt/slides/slide3.xml; a part named otherwise is named in full."""
    label = {"slides/slide": "slide", "notesSlides/notesSlide": "notes", "comments/comment": "comments"}[kind]
    m = re.search(r"(\d+)\.xml$", name)
    return f"{label} {m.group(1)}" if m and _SLIDE_PART.match(name) else f"{label} {name}"


def extract_powerpoint(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    with open_zip(source) as zf:
        types = content_types(zf)
        yield from _missing_parts(zf, types, _SLIDE_TYPES)
        for name, where in _slide_parts(zf, types).items():
            with open_part(zf, name, ctx) as stream:
                # slide comments are PresentationML <p:text>; read them as plain runs
                tags = DRAWING_TAGS if not where.startswith("comments") else _COMMENT_TAGS
                reader = read_part(stream, tags, ctx)
            yield from part_blocks(reader, where, ctx.limits.text_chunk_chars)
        yield from embedded_files(source, zf, ctx)


_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_COMMENT_TAGS = {"p": _P + "cm", "t": _P + "text", "tbl": "-", "tr": "-", "tc": "-"}

FORMATS = [
    FormatSpec("docx", _is_word, extract_word, priority=70),
    FormatSpec("pptx", _is_powerpoint, extract_powerpoint, priority=70),
]
