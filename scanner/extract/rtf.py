"""Rich Text Format (.rtf: WordPad, Word's "Save as RTF", mail-merge letters) through striprtf.

Japanese text in RTF is escaped byte by byte (\\'8a\\'ee in the document's ANSI code page,
\\ansicpg932) or as \\uN: read as plain text, neither a keyword nor a name is visible beside
the number, so a letter would score as a bare number. Decoded, it reads like any text file.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

from striprtf.striprtf import rtf_to_text

from ..model import Block, Outcome, PartNote, TextBlock
from . import FormatSpec, ScanContext, Source
from .tables import table_blocks
from .text import line_chunks

_MAGIC = b"{\\rtf"
_CODE_PAGE = re.compile(rb"\\ansicpg(\d+)")
_JAPANESE_FONT = re.compile(rb"\\fcharset128\b")  # SHIFTJIS_CHARSET
# Pictures, embedded objects and Word's theme data: hex that holds no text, and what makes
# an RTF big. striprtf walks them token by token (10 MB of picture: 5 s); cut out first.
_BINARY_GROUP = re.compile(r"\{(?:\\\*)?\\(?:pict|objdata|themedata|colorschememapping|datastore)\b")
_BRACE_OR_ESCAPE = re.compile(r"\\.|[{}]", re.DOTALL)


def _is_rtf(source: Source) -> bool:
    return source.head.lstrip()[:5] == _MAGIC


def code_page(head: bytes) -> str:
    """The codec of the document's \\ansicpgN (cp932 for Japanese), cp932 where it declares a
    Japanese font without one, else Windows' Western default."""
    m = _CODE_PAGE.search(head)
    if m:
        name = f"cp{int(m.group(1))}"
        try:
            return codecs.lookup(name).name
        except LookupError:
            pass
    return "cp932" if _JAPANESE_FONT.search(head) else "cp1252"


def drop_binary_groups(markup: str) -> str:
    """``markup`` without its picture and object groups (each up to its matching brace)."""
    kept: list[str] = []
    pos = 0
    for group in _BINARY_GROUP.finditer(markup):
        if group.start() < pos:
            continue  # inside a group already cut
        depth, end = 0, len(markup)  # an unclosed group runs to the end
        for token in _BRACE_OR_ESCAPE.finditer(markup, group.start()):
            if token.group() == "{":
                depth += 1
            elif token.group() == "}":
                depth -= 1
                if depth == 0:
                    end = token.end()
                    break
        kept.append(markup[pos:group.start()])
        pos = end
    kept.append(markup[pos:])
    return "".join(kept)


def extract_rtf(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    with source.opener() as raw:
        markup = raw.read().decode("latin-1")  # RTF is seven-bit; latin-1 keeps any stray byte
    ctx.deadline.check()
    text = rtf_to_text(drop_binary_groups(markup), encoding=code_page(source.head), errors="replace")
    ctx.deadline.check()
    yield from _text_and_tables(text, ctx)
    if "\ufffd" in text:
        yield PartNote("", Outcome.ERROR, "encoding: escaped bytes the document's code page does not decode; "
                                          "read with replacement characters", read_anyway=True)


FORMATS = [FormatSpec("rtf", _is_rtf, extract_rtf, priority=30)]


def _text_and_tables(text: str, ctx: ScanContext) -> Iterator[Block]:
    """The text, its tables as TableBlocks: striprtf ends each cell of a table row with "|"
    (氏名|基礎年金番号|), so a run of such lines is a table, and its header heads every row
    however far below; read as text, only the rows near it were."""
    lines = text.split("\n")
    kept: list[str] = []  # text lines, tables' lines left empty so line numbers stay
    tables: list[list[list[str]]] = []
    run: list[list[str]] = []
    for line in lines:
        if line.endswith("|"):
            run.append(line[:-1].split("|"))
            kept.append("")
            continue
        if run:
            tables.append(run)
            run = []
        kept.append(line)
    if run:
        tables.append(run)
    for chunk, line_no in line_chunks(["\n".join(kept)], ctx.limits.text_chunk_chars):
        if chunk.strip():
            yield TextBlock(chunk, where="", first_line=line_no)
    for n, rows in enumerate(tables, start=1):
        yield from table_blocks(enumerate(rows, start=1), f"table {n}")
