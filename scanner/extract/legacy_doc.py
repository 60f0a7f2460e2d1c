"""Text of legacy Word 97-2003 documents (.doc), read by hand from [MS-DOC].

No maintained Python library extracts .doc text, so this reads the few structures that
hold it: the FIB at the start of the WordDocument stream says which table stream
(0Table/1Table) holds the Clx; the Clx's piece table maps character positions (CPs) to
byte offsets in WordDocument, each piece either UTF-16LE or 8-bit ("compressed").
Word's control characters become newlines and tabs; of a field (0x13 instruction 0x14
result 0x15) only the result is kept. The text is split into the FIB's stories
(body, footnotes, headers ...), each a run of TextBlocks with one line per paragraph.

Encryption is checked before this runs (scanner.protection). Every offset is checked
against its stream: a malformed file raises CorruptFile("doc: ..."), never more reading
than the streams hold.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass

import olefile

from ..errors import CorruptFile, Unsupported
from ..limits import Deadline
from ..model import Block, TextBlock
from .listing import ListingReader

WORD_IDENT = 0xA5EC
WORD97_NFIB = 0x00C1  # Word 6/95 files have a smaller nFib and another layout
_FLAG_WHICH_TABLE = 0x0200
_FC_CLX_INDEX = 33  # fcClx/lcbClx is the 34th pair of FibRgFcLcb97
_COMPRESSED = 0x40000000
_FC_MASK = 0x3FFFFFFF
_PCD_SIZE = 8

# Stories in CP order after the body ([MS-DOC] 2.3.1 ff.): FibRgLw97 holds their lengths
# at these offsets (ccpText, ccpFtn, ccpHdd, ccpAtn, ccpEdn, ccpTxbx, ccpHdrTxbx).
_STORIES = (
    ("body", 12), ("footnotes", 16), ("headers", 20), ("comments", 28),
    ("endnotes", 32), ("text boxes", 36), ("header text boxes", 40),
)


@dataclass(frozen=True, slots=True)
class Fib:
    """What the FIB says about where the text is."""

    table_stream: str  # "0Table" or "1Table"
    fc_clx: int
    lcb_clx: int
    story_lengths: tuple[int, ...]  # CPs per story, in _STORIES order


@dataclass(frozen=True, slots=True)
class Piece:
    cp_start: int
    cp_end: int
    fc: int  # byte offset in WordDocument (already halved for compressed pieces)
    compressed: bool

    @property
    def byte_length(self) -> int:
        chars = self.cp_end - self.cp_start
        return chars if self.compressed else 2 * chars


def _u16(data: bytes, offset: int) -> int:
    return int(struct.unpack_from("<H", data, offset)[0])


def _u32(data: bytes, offset: int) -> int:
    return int(struct.unpack_from("<I", data, offset)[0])


def read_fib(word: bytes) -> Fib:
    """Parse the parts of the FIB we need; walks csw/cslw/cbRgFcLcb rather than fixed offsets."""
    if len(word) < 34 or _u16(word, 0) != WORD_IDENT:
        raise CorruptFile("doc: WordDocument stream has no Word FIB")
    if _u16(word, 2) < WORD97_NFIB and _u16(word, 2) != 0:
        raise Unsupported("doc: Word 6/95 format (pre-97) text extraction not supported")
    flags = _u16(word, 0x0A)
    try:
        pos = 32
        csw = _u16(word, pos)
        pos += 2 + 2 * csw
        cslw = _u16(word, pos)
        rg_lw = pos + 2
        pos = rg_lw + 4 * cslw
        cb_rg_fc_lcb = _u16(word, pos)
        if cslw * 4 < 44 or cb_rg_fc_lcb <= _FC_CLX_INDEX:
            raise CorruptFile("doc: FIB too short for a Word 97 document")
        fc_clx, lcb_clx = struct.unpack_from("<II", word, pos + 2 + 8 * _FC_CLX_INDEX)
        lengths = tuple(_u32(word, rg_lw + off) for _, off in _STORIES)
    except struct.error as exc:
        raise CorruptFile("doc: FIB runs past the WordDocument stream") from exc
    table = "1Table" if flags & _FLAG_WHICH_TABLE else "0Table"
    return Fib(table, int(fc_clx), int(lcb_clx), lengths)


def _plc_pcd(table: bytes, fib: Fib) -> bytes:
    """The PlcPcd inside the Clx: skip Prc entries (0x01), then the Pcdt (0x02)."""
    end = fib.fc_clx + fib.lcb_clx
    if fib.lcb_clx == 0 or end > len(table):
        raise CorruptFile("doc: Clx lies outside the table stream")
    pos = fib.fc_clx
    while pos < end:
        kind = table[pos]
        if kind == 0x01:  # Prc: clxt, cbGrpprl (i16), grpprl
            if pos + 3 > end:
                break
            size = struct.unpack_from("<h", table, pos + 1)[0]
            if size < 0:
                raise CorruptFile("doc: negative Prc size in the Clx")
            pos += 3 + size
        elif kind == 0x02:  # Pcdt: clxt, lcb (u32), PlcPcd
            if pos + 5 > end:
                break
            lcb = _u32(table, pos + 1)
            if pos + 5 + lcb > end:
                raise CorruptFile("doc: piece table runs past the Clx")
            return table[pos + 5 : pos + 5 + lcb]
        else:
            raise CorruptFile(f"doc: unknown Clx entry type {kind:#04x}")
    raise CorruptFile("doc: Clx holds no piece table")


def read_pieces(table: bytes, fib: Fib) -> list[Piece]:
    """The piece table: n+1 CPs then n 8-byte PCDs (FcCompressed at offset 2)."""
    plc = _plc_pcd(table, fib)
    if len(plc) < 4 or (len(plc) - 4) % (4 + _PCD_SIZE):
        raise CorruptFile("doc: piece table has a bad size")
    count = (len(plc) - 4) // (4 + _PCD_SIZE)
    cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
    pcd_base = 4 * (count + 1)
    pieces = []
    for i in range(count):
        if cps[i + 1] < cps[i]:
            raise CorruptFile("doc: piece table CPs go backwards")
        raw_fc = _u32(plc, pcd_base + i * _PCD_SIZE + 2)
        compressed = bool(raw_fc & _COMPRESSED)
        fc = raw_fc & _FC_MASK
        pieces.append(Piece(cps[i], cps[i + 1], fc // 2 if compressed else fc, compressed))
    return pieces


def piece_text(word: bytes, piece: Piece) -> str:
    """One piece's characters: UTF-16LE, or 8-bit (Word writes these as Windows-1252)."""
    end = piece.fc + piece.byte_length
    if end > len(word):
        raise CorruptFile("doc: a text piece lies outside the WordDocument stream")
    raw = word[piece.fc : end]
    if piece.compressed:
        return raw.decode("cp1252", "replace")
    return raw.decode("utf-16-le", "replace")


def document_text(word: bytes, table: bytes, deadline: Deadline) -> tuple[str, Fib]:
    """All the CPs' raw characters (Word control characters still in) and the FIB."""
    fib = read_fib(word)
    parts = []
    budget = len(word)  # pieces never overlap in a real file: together they fit the stream
    for n, piece in enumerate(read_pieces(table, fib)):
        if n % 256 == 0:
            deadline.check()
        budget -= piece.byte_length
        if budget < 0:
            raise CorruptFile("doc: pieces hold more text than the WordDocument stream")
        parts.append(piece_text(word, piece))
    return "".join(parts), fib


# --- Word's control characters ---------------------------------------------------------

_FIELD_MARK = re.compile("[\x13\x14\x15]")
_ROW_END = re.compile("\x07\x07")  # a cell's end mark followed by the row's end mark
_CONTROL = re.compile("[\x00-\x08\x0e-\x1d\x1f]")
# Replaced one after another (each a C pass): str.translate looks up every character,
# ~0.4 s for a megabyte of Japanese text.
_REPLACE = (("\r", "\n"), ("\x0b", "\n"), ("\x0c", "\n"), ("\x0e", "\n"), ("\x07", "\t"),
            ("\x1e", "-"), ("\xa0", " "))


def drop_field_instructions(text: str) -> str:
    """Keep field results (0x14..0x15), drop instructions (0x13..0x14), nesting aware."""
    if "\x13" not in text:
        return text
    out: list[str] = []
    stack: list[bool] = []  # per open field: still in its instruction part?
    pos = 0
    for mark in _FIELD_MARK.finditer(text):
        if not any(stack):
            out.append(text[pos : mark.start()])
        char = mark.group()
        if char == "\x13":
            stack.append(True)
        elif stack and char == "\x14":
            stack[-1] = False
        elif stack:
            stack.pop()
        pos = mark.end()
    if not any(stack):
        out.append(text[pos:])
    return "".join(out)


def clean_text(raw: str) -> str:
    """Word's marks as plain text: paragraphs and breaks -> newline, table cells -> tab,
    rows -> newline, non-breaking hyphen -> '-', other control characters dropped."""
    text = drop_field_instructions(raw)
    text = _ROW_END.sub("\n", text)
    for mark, plain in _REPLACE:
        text = text.replace(mark, plain)
    return _CONTROL.sub("", text)


# --- blocks ---------------------------------------------------------------------------


def _stories(text: str, lengths: tuple[int, ...]) -> Iterator[tuple[str, str]]:
    """(story name, raw text) in CP order; the final paragraph mark past them is dropped."""
    pos = 0
    for (name, _), length in zip(_STORIES, lengths, strict=True):
        if length:
            yield name, text[pos : pos + length]
        pos += length


def line_blocks(text: str, where: str, chunk_chars: int) -> Iterator[TextBlock]:
    """TextBlocks of about ``chunk_chars`` characters, cut at line ends, numbered by line."""
    lines = text.split("\n")
    start, size = 0, 0
    for i, line in enumerate(lines):
        size += len(line) + 1
        if size >= chunk_chars or i == len(lines) - 1:
            chunk = "\n".join(lines[start : i + 1])
            if chunk.strip():
                yield TextBlock(chunk, where=where, first_line=start + 1)
            start, size = i + 1, 0


def story_blocks(text: str, where: str, chunk_chars: int) -> Iterator[Block]:
    """A story's text as blocks: a table (its cells apart by tabs, clean_text's) under a row
    of column labels is a listing, so its header heads every row however far below."""
    reader = ListingReader(where)
    for block in line_blocks(text, where, chunk_chars):
        yield from reader.blocks(block.text, block.first_line)


def doc_blocks(ole: olefile.OleFileIO, deadline: Deadline, chunk_chars: int) -> Iterator[Block]:
    """The text of an open, unencrypted .doc as blocks, one run per story."""
    word = ole.openstream("WordDocument").read()
    table_name = read_fib(word).table_stream
    if not ole.exists(table_name):
        raise CorruptFile(f"doc: the FIB names a missing {table_name} stream")
    table = ole.openstream(table_name).read()
    raw, fib = document_text(word, table, deadline)
    for name, story in _stories(raw, fib.story_lengths):
        deadline.check()
        yield from story_blocks(clean_text(story), name, chunk_chars)
