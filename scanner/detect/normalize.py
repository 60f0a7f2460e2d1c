"""Text normalization with an offset map back to the original text.

Detectors run on normalized text: NFKC (full-width digits, letters and the ideographic
space fold to ASCII, ㍼ becomes 昭和, half-width kana become full-width), then every dash
variant of DOMAIN.md becomes '-'. The katakana prolonged sound mark (ー, ｰ) is only a
dash between two digits, so katakana words such as コード keep their spelling.

NFKC is applied per grapheme cluster so that every normalized character knows which
original characters it came from; runs of characters NFKC leaves alone are copied as a
whole (the common case for Japanese prose), so normalizing costs little where nothing
changes.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from typing import NamedTuple

import regex

# Dash variants that always mean '-' (NFKC already maps U+FF0D and U+2011 to '-'; kept for clarity).
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\ufe63\u2043"
# A regex pass is much faster than str.translate on non-ASCII text, and for a plain class the
# standard re is twice as fast as ``regex`` (which the grapheme split below needs).
_DASH = re.compile(f"[{_DASHES}]")
# ー (U+30FC; NFKC turns half-width ｰ into it) is a long vowel mark in words, a dash between digits.
_LONG_MARK_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])\u30fc(?=[0-9])")

# Characters NFKC never changes and that never combine with what follows them: copied as runs.
# A run must not end right before a combining mark (か + ゛ composes), hence the lookahead.
_STABLE_RUN = regex.compile(
    r"[\x20-\x7e\t\n\r\u3001-\u3002\u3005-\u3007\u300c-\u3011\u3041-\u3096\u30a1-\u30fa\u30fc"
    r"\u4e00-\u9fff]+(?![\p{M}\uff9e\uff9f])"
)
_GRAPHEME = regex.compile(r"\X", regex.DOTALL)


class NormalizedText(NamedTuple):
    """Normalized ``text`` plus the map back to ``original`` (immutable; a named tuple
    because one is made per table cell, and a frozen dataclass costs twice the time).

    ``pieces`` is a sorted tuple of (norm_start, orig_start, norm_len, orig_len). In a piece
    where both lengths are equal, characters map one to one; otherwise every normalized
    character of the piece maps to the piece's whole original span (one grapheme).
    """

    text: str
    original: str
    pieces: tuple[tuple[int, int, int, int], ...]
    starts: tuple[int, ...]  # pieces' norm_start, for bisect

    def _piece(self, i: int) -> tuple[int, int, int, int]:
        idx = bisect_right(self.starts, i) - 1
        return self.pieces[max(idx, 0)]

    def orig_start(self, i: int) -> int:
        """Original index where normalized character ``i`` begins (``i`` may equal len)."""
        if i >= len(self.text):
            return len(self.original)
        n0, o0, nl, ol = self._piece(i)
        return o0 + (i - n0) if nl == ol else o0

    def orig_end(self, i: int) -> int:
        """Original index just past normalized character ``i``."""
        n0, o0, nl, ol = self._piece(i)
        return o0 + (i - n0) + 1 if nl == ol else o0 + ol

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized span [start, end) to the original span it came from."""
        if end <= start:
            pos = self.orig_start(start)
            return pos, pos
        return self.orig_start(start), self.orig_end(end - 1)


class _Builder:
    """Accumulates normalized text and merges one-to-one pieces as it goes."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pieces: list[tuple[int, int, int, int]] = []
        self.n = 0

    def add(self, out: str, orig_start: int, orig_len: int) -> None:
        if not out:
            return
        if self.pieces and len(out) == orig_len:
            n0, o0, nl, ol = self.pieces[-1]
            if nl == ol and n0 + nl == self.n and o0 + ol == orig_start:
                self.pieces[-1] = (n0, o0, nl + len(out), ol + orig_len)
                self.parts.append(out)
                self.n += len(out)
                return
        self.pieces.append((self.n, orig_start, len(out), orig_len))
        self.parts.append(out)
        self.n += len(out)


def normalize(text: str) -> NormalizedText:
    """NFKC plus dash folding, with offsets back into ``text``."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return _make(_fold_dashes(text), text, [(0, 0, len(text), len(text))] if text else [])
    builder = _Builder()
    pos = 0
    for run in _STABLE_RUN.finditer(text):
        _add_graphemes(builder, text, pos, run.start())
        builder.add(run.group(), run.start(), run.end() - run.start())
        pos = run.end()
    _add_graphemes(builder, text, pos, len(text))
    return _make(_fold_dashes("".join(builder.parts)), text, builder.pieces)


def _make(norm: str, original: str, pieces: list[tuple[int, int, int, int]]) -> NormalizedText:
    return NormalizedText(norm, original, tuple(pieces), tuple(p[0] for p in pieces))


def normalize_cell(text: str) -> NormalizedText:
    """Where a finding's place is a cell (a table cell, or a table block whose rows and
    cells are counted on the normalized text): the same text as normalize(), with one
    coarse piece instead of an exact offset map (NFKC in one C call)."""
    # ASCII is its own NFKC form and holds none of the dash variants.
    norm = text if text.isascii() else _fold_dashes(_nfkc(text))
    if not norm:
        return NormalizedText(norm, text, (), ())
    return NormalizedText(norm, text, ((0, 0, len(norm), len(text)),), (0,))


_SEP = "\x1f"  # the engine's cell separator: NFKC leaves it alone and composes nothing across it


def normalize_cells(texts: list[str]) -> list[NormalizedText]:
    """``[normalize_cell(t) for t in texts]``, with one NFKC call for the lot (a column).

    NFKC and the dash folding never act across a control character (a starter that
    composes with nothing), so normalizing the cells joined by one and splitting the
    result gives each cell's own normal form. Cells holding the separator themselves
    are normalized one by one."""
    joined = _SEP.join(texts)
    if joined.count(_SEP) != len(texts) - 1:
        return [normalize_cell(t) for t in texts]
    norms = (joined if joined.isascii() else _fold_dashes(_nfkc(joined))).split(_SEP)
    # tuple.__new__: a named tuple's own __new__ is a Python function, a third of the cost here
    return [_new(NormalizedText, (n, t, ((0, 0, len(n), len(t)),), (0,)) if n else (n, t, (), ()))
            for n, t in zip(norms, texts, strict=True)]


_new = tuple.__new__


def _nfkc(text: str) -> str:
    """NFKC, fast where the ideographic space is all that would change (names typed 山田　太郎).

    Replacing it by the ' ' it decomposes to leaves NFKC's result as it is, and lets
    NFKC take its quick path: 70x faster on a Japanese roster than NFKC of the original."""
    return unicodedata.normalize("NFKC", text.replace("\u3000", " "))


def normalize_str(text: str) -> str:
    """Normalized text without the offset map (keywords, headers)."""
    return normalize(text).text


def _add_graphemes(builder: _Builder, text: str, start: int, end: int) -> None:
    for g in _GRAPHEME.finditer(text, start, end):
        builder.add(unicodedata.normalize("NFKC", g.group()), g.start(), g.end() - g.start())


def _fold_dashes(text: str) -> str:
    text = _DASH.sub("-", text)
    if "\u30fc" in text:
        text = _LONG_MARK_BETWEEN_DIGITS.sub("-", text)
    return text


def _half_width_katakana() -> dict[str, str]:
    """Full-width katakana (and ー, ・, 「」) -> the half-width spelling NFKC folds back to
    it: ガ -> ｶﾞ. Built from the half-width block itself, so it is NFKC's inverse exactly."""
    table: dict[str, str] = {}
    bases = [chr(cp) for cp in range(0xFF61, 0xFFA0)]
    for base in bases:
        for spelling in (base, base + "\uff9e", base + "\uff9f"):
            full = unicodedata.normalize("NFKC", spelling)
            if len(full) == 1 and full not in table:
                table[full] = spelling
    return table


_HALF_WIDTH = _half_width_katakana()


def half_width(word: str) -> str | None:
    """``word`` in half-width katakana (シメイ -> ｼﾒｲ), as legacy systems write it; None where
    a character of it has no half-width form (kanji, hiragana, a letter)."""
    if not word or any(ch not in _HALF_WIDTH for ch in word):
        return None
    return "".join(_HALF_WIDTH[ch] for ch in word)


def half_width_twins(words: list[str]) -> list[str]:
    """The half-width spellings of ``words`` not already among them, for matching raw text
    and bytes, where NFKC has not folded them (ｷｿﾈﾝｷﾝﾊﾞﾝｺﾞｳ). Not for words under four
    characters: a few half-width bytes are common EUC-JP kanji too (ｾｲ is 床, ｼﾒｲ the start
    of 社会), and the byte prefilter would pass every such file."""
    return [hw for w in words if len(w) >= 4 and (hw := half_width(w)) and hw not in words]


# Spaces between two non-ASCII characters: a label set out to fill its cell (氏　　名, 均等割付)
# or letter-spaced by a PDF's text layer (基 礎 年 金 番 号). NFKC made U+3000 a space.
_SPACES_IN_CJK = re.compile(r"(?<=[^\x00-\x7f])[ \t]+(?=[^\x00-\x7f])")


def spaced_label(word: str) -> str:
    """A pattern for ``word``, a label, as it may be set out with spaces: up to three between
    each two characters of a Japanese label of two or more (年　金　番　号, 基 礎 年 金 番 号);
    a Latin one as written. Its matches give the word back through ``without_cjk_spaces``."""
    if len(word) > 1 and not any(ch.isascii() for ch in word):
        return _LABEL_GAP.join(map(regex.escape, word))
    return regex.escape(word)


_LABEL_GAP = "[ \t]{0,3}"


def without_cjk_spaces(text: str) -> str:
    """``text`` (normalized) without the spaces that sit between two non-ASCII characters;
    a space between Latin words (my number) stays."""
    return _SPACES_IN_CJK.sub("", text) if " " in text or "\t" in text else text

