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
    for chunk, line in line_chunks([text], ctx.limits.text_chunk_chars):
        yield TextBlock(chunk, where="", first_line=line)
    if "\ufffd" in text:
        yield PartNote("", Outcome.ERROR, "encoding: escaped bytes the document's code page does not decode; "
                                          "read with replacement characters", read_anyway=True)


FORMATS = [FormatSpec("rtf", _is_rtf, extract_rtf, priority=30)]
