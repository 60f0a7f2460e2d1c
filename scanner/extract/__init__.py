"""Extractors: one module per format family, discovered, not registered in a list.

A module in this package that defines ``FORMATS: list[FormatSpec]`` takes part.
The type of a file is decided by content (``sniff`` sees the first bytes and the
name), not by extension alone. Formats with a higher ``priority`` sniff first; plain
text is the fallback.

An extractor yields Blocks (TextBlock/TableBlock) and PartNotes, and raises a
``scanner.errors.ScanStop`` subclass to end the file with a specific outcome
(Encrypted, Unsupported, LimitExceeded, CorruptFile ...). Archives hand members back
through ``ScanContext.members`` so every member is sniffed and extracted like a file.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import BinaryIO

from ..errors import LimitExceeded, Unsupported
from ..limits import Deadline, ScanLimits
from ..model import Block, NameBlock, PartNote

HEAD_BYTES = 8192
NAME_WHERE = "path"  # the place of a finding in a file's or member's own path
# Bump when a change to extraction or decoding can change what a file yields (a format read
# that was not, a character decoded that was replaced). It is part of the rules version, so
# a sweep then reads every known file again instead of trusting what the older reader made of it.
# 2: one-column list headers, Word Online part names, eucJP-ms IBM extension kanji, 記号|番号
# columns joined in CSV and Word tables, ISO-2022-JP, saved e-mail (.eml, .msg), RTF, LZH, xlsx comments, text boxes and pivot caches,
# Word tracked deletions, PDF form fields, notes and attachments, embedded objects in Office files,
# HTML tables, XML Spreadsheet 2003, .xls cell comments, objects embedded in .doc, .xls and .ppt,
# ODF headers, footers and embedded objects.
# 3: 記号|番号 columns joined in every table (pivot caches and PDF form fields too); HTML mail
# bodies (.eml, .msg) read as HTML, so their tables are tables; text with NUL bytes in it and
# UTF-16 without a BOM holding U+3000 read as text, not as binary; RAR archives; a number in a
# file's or member's own path; xlsx external link caches; text listings under a header line.
# 4: JSON and JSON Lines parsed (escaped non-ASCII decoded, arrays of objects as tables); XML
# character references decoded; HTML and XML holding references no longer skipped on raw bytes;
# text in half-width katakana read as CP932 (it was taken for a mislabel, or for EUC-JP kanji);
# web archives (.mht, .mhtml) read as MIME.
# 5: title rows over a CSV's, a Word table's or an HTML table's header are under none of its
# columns (as a sheet's already were): 職員名簿 over 氏名 was a person's name. Under a name
# header, totals and form words (合計, 以下余白), companies, sections and posts are no names,
# and a surname alone is looked up whole (阿部). A form (labels beside their values, 氏名 |
# 山田　太郎) is read value after label, not as a table under its first row; typed as text
# (氏名　　山田　太郎 / 基礎年金番号　　1234567890) it is no listing either.
# 6: a note beside a form's pair (label | value | 備考) no longer makes the form a table; a
# two-row header's empty cell takes the label above it (生年月日 merged over both rows);
# common words ending in an honorific (王様, 大仏殿) are no names; EUC-JP kanji that are rare
# Latin letters in UTF-8 (年a) stay kanji; a line break inside a header cell (氏⏎名) is none;
# headers in Latin letters (KISO_NENKIN_BANGO) are read as their Japanese label; a date typed
# into 元号 | 年 | 月 | 日 cells is one date; a ruby's reading (Word, ODF, HTML) is no text; a
# listing printed over a PDF's pages goes on under the first page's header; a name in Latin
# letters under a name header is a name; each section of a sheet finds its own header, below
# a page of notes too; delimited exports under .txt, .dat or no suffix are tables; a table
# laid out sideways (fields down the first column) is read turned; merged cells in Word, HTML
# and ODF tables leave the cells they cover empty, so values stay under their headers; CSV is
# sectioned as sheets are; XML records are tables under their fields' tags; RTF and legacy
# .doc tables are tables under their headers.
EXTRACTION_VERSION = 6


@dataclass(slots=True)
class Source:
    """Something to extract: a file on disk or a member of an archive."""

    name: str  # display name: the path, or "outer.zip!inner.zip!list.csv"
    size: int
    opener: Callable[[], BinaryIO]  # a fresh binary stream positioned at 0
    head: bytes = b""  # first HEAD_BYTES bytes, for sniffing
    depth: int = 0  # archive nesting depth (0 for a file on disk)
    path: bytes | None = None  # filesystem path where the source is a real file
    member: str = ""  # the path inside the outermost container ("" for a file)

    @property
    def suffix(self) -> str:
        base = self.name.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
        return base.rsplit(".", 1)[-1].lower() if "." in base else ""

    @classmethod
    def from_bytes(cls, name: str, data: bytes, *, depth: int = 0, member: str = "") -> Source:
        return cls(name=name, size=len(data), opener=lambda: io.BytesIO(data), head=data[:HEAD_BYTES],
                   depth=depth, member=member)


@dataclass(slots=True)
class ScanContext:
    limits: ScanLimits
    deadline: Deadline
    archive_bytes: int = 0  # uncompressed bytes handed out by archives so far
    archive_members: int = 0
    notes: list[PartNote] = field(default_factory=list)

    def members(self, source: Source) -> Iterator[Block | PartNote]:
        """Extract an archive member like a file, prefixing its locations.

        Counts the member against the archive limits; the caller decides the member's
        own limits (ratio, depth) before calling.
        """
        if source.depth > self.limits.archive_max_depth:
            raise LimitExceeded(f"archive_max_depth ({self.limits.archive_max_depth}) at {source.name}")
        self.archive_members += 1
        if self.archive_members > self.limits.archive_max_members:
            raise LimitExceeded(f"archive_max_members ({self.limits.archive_max_members})")
        self.archive_bytes += source.size
        if self.archive_bytes > self.limits.archive_max_total_bytes:
            raise LimitExceeded(f"archive_max_total_bytes ({self.limits.archive_max_total_bytes})")
        # its path in the archive: a zip of scans named by their numbers holds them there
        yield NameBlock(source.name.rsplit("!", 1)[-1], where=NAME_WHERE, first_line=None)
        yield from extract(source, self)


def member_name_block(name: str) -> NameBlock:
    """An archive member's path, where its content cannot be read (a password): its name
    is still readable, and a zip of scans named by their numbers leaks them there."""
    return NameBlock(name, where=f"{name}!{NAME_WHERE}", first_line=None)


@dataclass(frozen=True, slots=True)
class FormatSpec:
    name: str
    sniff: Callable[[Source], bool]
    extract: Callable[[Source, ScanContext], Iterator[Block | PartNote]]
    priority: int = 50  # higher sniffs first; the text fallback is 0


@cache
def formats() -> tuple[FormatSpec, ...]:
    """Every FormatSpec in this package, highest priority first."""
    found: list[FormatSpec] = []
    for mod in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{mod.name}")
        found.extend(getattr(module, "FORMATS", ()))
    return tuple(sorted(found, key=lambda f: -f.priority))


def sniff(source: Source) -> FormatSpec | None:
    for spec in formats():
        if spec.sniff(source):
            return spec
    return None


def extract(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    spec = sniff(source)
    if spec is None:
        raise Unsupported(f"no extractor recognises {source.name}")
    yield from spec.extract(source, ctx)
