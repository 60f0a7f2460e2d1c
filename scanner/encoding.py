"""Decide the encoding of a text file and decode it as a stream.

Order (DOMAIN.md): a BOM decides (UTF-8, UTF-16 LE/BE); then UTF-16 without a BOM by
its NUL-byte pattern; then strict decodes of utf-8, cp932 and euc-jp, choosing by how
plausible the decoded text is as Japanese (a charset guesser alone mislabels short
EUC-JP as Korean). A sample that is pure ASCII leaves the choice open until the first
non-ASCII bytes arrive. A decode failure later in a big file never crashes and is
never silent: the rest is decoded with replacement characters and the problem is
recorded in ``TextStream.problems``.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import BinaryIO

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_LE_BOM = b"\xff\xfe"
UTF16_BE_BOM = b"\xfe\xff"

ASCII_COMPATIBLE = ("utf-8", "cp932", "euc-jp")  # the order strict decodes are tried in
# ISO-2022-JP (JIS): Japanese e-mail and old Unix text, seven bits with escape sequences that
# shift into JIS X 0208 (ESC $ B, ESC $ @) and into half-width katakana (ESC ( I, hence _ext).
ISO2022 = "iso2022_jp_ext"
JIS_SHIFTS = (b"\x1b$B", b"\x1b$@")
_DECIDE_BYTES = 8192  # bytes an undecided (ASCII so far) stream reads to choose its encoding
_SCORE_CHARS = 1024  # plausibility is judged on this many non-ASCII characters
_MIN_PLAUSIBLE = 0.6  # below this mean score a strict decode is taken for a mislabel
_UTF8_HEAD_START = 0.1  # plausibility bonus for a clean UTF-8 decode
_MAX_CONTROL_SHARE = 0.05  # more control characters than this and it is binary
_MAX_NUL_SHARE = 0.5  # more NUL bytes than this (outside UTF-16) and it is binary
_MIN_TEXT_BYTES = 64  # with NULs, fewer other bytes than this are no evidence of text (a PNG header)


# EUC-JP as Windows and most Japanese office software write it (eucJP-ms, CP51932) carries
# the NEC special characters of row 13: ①, Ⅰ, ㈱, ㍻. Python's euc_jp rejects them, so
# a roster with ㈱ in a company name failed every strict decode and was read as mojibake.
# These handlers take a row-13 pair (lead byte 0xAD) that euc_jp rejects from euc_jis_2004,
# whose row 13 is NEC's, and otherwise behave as "strict" and "replace". Only row 13: other
# rows euc_jp rejects mean other things in JIS X 0213 than in Microsoft's tables, and
# accepting them would let more CP932 half-width katakana pass as EUC-JP.
# They also take eucJP-ms's IBM extensions: the kanji of names such as 髙橋, 山﨑 and 德永
# that JIS X 0208 lacks, written as three bytes 0x8F 0xF3 0xF3 .. 0x8F 0xF4 0xFE (the
# user-defined rows of JIS X 0212), in this order (eucJP-ms, as glibc's EUC-JP-MS decodes them).
STRICT, REPLACE = "pii-agent-strict", "pii-agent-replace"
_NEC_ROW_13 = 0xAD
_IBM_EXTENSIONS = (  # \u escapes: CJK compatibility ideographs, which NFC would fold away in an editor
    "ⅰⅱⅲⅳⅴⅵⅶⅷⅸⅹⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ＇＂㈱№℡炻仼僴凬匇匤﨎咊坙﨏\ufa10增寬峵嵓﨑德悅愠敎昻晥\ufa12\uf929栁"
    "﨓﨔橫櫢淸淲瀨\ufa15\ufa16甁皂皞\ufa17礰\ufa18\ufa19\ufa1a\ufa1b竧\ufa1c\ufa1d綠緖\ufa1e荢﨟薰\ufa20﨡蠇\ufa22譿賴赶﨣﨤\ufa25郞\ufa26鄕﨧﨨閒\uf9dc﨩霻靍靑\ufa2a\ufa2b\ufa2c馞髙魲\ufa2d黑"
)


def _euc_extension(exc: UnicodeDecodeError) -> tuple[str, int] | None:
    """The character of a Microsoft EUC-JP extension euc_jp rejected, and where decoding goes on."""
    if exc.encoding == ISO2022:  # Microsoft's JIS (CP50220) has NEC row 13 too, seven bits each
        pair = exc.object[exc.start:exc.start + 2]
        if len(pair) == 2 and pair[0] == _NEC_ROW_13 & 0x7F and 0x21 <= pair[1] <= 0x7E:
            return bytes([_NEC_ROW_13, pair[1] | 0x80]).decode("euc_jis_2004"), exc.start + 2
        return None
    if exc.encoding not in ("euc_jp", "euc-jp"):
        return None
    seq = exc.object[exc.start:exc.start + 3]
    if len(seq) >= 2 and seq[0] == _NEC_ROW_13 and seq[1] >= 0xA1:
        try:
            return seq[:2].decode("euc_jis_2004"), exc.start + 2
        except UnicodeDecodeError:
            return None
    if len(seq) == 3 and seq[0] == 0x8F and 0xA1 <= seq[2] <= 0xFE:
        index = seq[2] - 0xF3 if seq[1] == 0xF3 else 12 + seq[2] - 0xA1 if seq[1] == 0xF4 else -1
        if 0 <= index < len(_IBM_EXTENSIONS):
            return _IBM_EXTENSIONS[index], exc.start + 3
    return None


def _strict_errors(exc: UnicodeError) -> tuple[str, int]:
    found = _euc_extension(exc) if isinstance(exc, UnicodeDecodeError) else None
    if found is None:
        raise exc
    return found


def _replace_errors(exc: UnicodeError) -> tuple[str | bytes, int]:
    found = _euc_extension(exc) if isinstance(exc, UnicodeDecodeError) else None
    return found if found is not None else codecs.replace_errors(exc)


codecs.register_error(STRICT, _strict_errors)
codecs.register_error(REPLACE, _replace_errors)


@dataclass(frozen=True, slots=True)
class Guess:
    """How to decode a file: ``encoding`` (a Python codec) after ``bom`` bytes.

    ``how`` says why: "bom", "nul-pattern", "strict", "ascii" (undecided: only ASCII
    seen so far; any ASCII-compatible codec gives the same text), "escape" (ISO-2022-JP's
    shift sequences) or "replace".
    """

    encoding: str
    bom: int = 0
    how: str = "strict"

    @property
    def ascii_compatible(self) -> bool:
        """True when ASCII bytes stand for themselves (byte-level prefilters work)."""
        return self.encoding in ASCII_COMPATIBLE


@lru_cache(maxsize=1 << 16)  # the same few thousand characters recur in every file
def _char_score(ch: str) -> float:
    """How typical a character is of Japanese office text (1 typical, 0 implausible)."""
    code = ord(ch)
    if code < 0x80:
        return 1.0 if ch.isprintable() or ch in "\t\r\n" else 0.0
    if 0x3000 <= code <= 0x30FF or 0xFF01 <= code <= 0xFF5E:  # punctuation, kana, full-width
        return 1.0
    if 0xFF61 <= code <= 0xFF9F:  # half-width katakana: real, but what mislabels produce
        return 0.5
    if 0x4E00 <= code <= 0x9FFF:  # kanji: common ones (JIS level 1) score higher
        return 1.0 if _jis_level1(ch) else 0.5
    category = unicodedata.category(ch)
    if category[0] in "CZ" and category not in ("Zs",):
        return 0.0  # controls, private use, unassigned, odd separators
    return 0.6


def _jis_level1(ch: str) -> bool:
    try:
        lead = ch.encode("cp932")[0]
    except UnicodeEncodeError:
        return False
    return 0x88 <= lead <= 0x98


def plausibility(text: str) -> float:
    """Mean score of the non-ASCII characters at the start of ``text`` (1.0 if none).

    ASCII decodes the same in every candidate encoding, so only the rest tells them apart.
    """
    sample = _ASCII_RUNS.sub("", text[: _SCORE_CHARS * 4])[:_SCORE_CHARS]
    if not sample:
        return 1.0
    if _half_width_kana_text(sample):
        # plausible, but below a reading in common kanji: a few EUC-JP names can read as
        # half-width kana too (山田 is BB B3 C5 C4, ｻｳﾅﾄ in CP932), and then EUC-JP wins
        return _HALF_WIDTH_TEXT_SCORE
    score = sum(map(_char_score, sample))
    # A European letter joined to an ASCII word (Klöcker, Meißner, José) is as typical as a
    # common kanji: UTF-8 text in English. Else its two bytes read as one EUC-JP kanji
    # (Kl遵cker) outscore it, and the first Latin letter they cannot read ends the decode.
    joined = _LATIN_IN_WORD.findall(text[: _SCORE_CHARS * 4])
    score += sum(1.0 - _char_score(ch) for ch in joined)
    return min(score / len(sample), 1.0)


def _half_width_kana_text(sample: str) -> bool:
    """Text in half-width katakana, as mainframe-era systems still export names and column
    labels (ﾔﾏﾀﾞ ﾀﾛｳ, ｷｿﾈﾝｷﾝﾊﾞﾝｺﾞｳ): nearly all of it, with every voicing mark after a kana
    that takes one. What a mislabel makes of other text (EUC-JP kanji read as CP932) mixes
    half-width kana with kanji, or puts marks where none can stand."""
    kana = len(sample) - len(_HALF_WIDTH_KANA_RUNS.sub("", sample))
    if kana < _MIN_KANA_CHARS or kana < _KANA_TEXT_SHARE * len(sample):
        return False
    return _MISPLACED_MARK.search(sample) is None


# Latin-1 and Latin Extended-A letters: the alphabets of Europe's languages. Not Extended-B
# (ǯ, ƣ): EUC-JP's 年 and 藤 are those letters' UTF-8 bytes, and next to an ASCII letter
# (年a) they would tie with the kanji and win.
_LATIN_IN_WORD = re.compile("(?<=[A-Za-z])[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017f]|"
                            "[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017f](?=[A-Za-z])")
_ASCII_RUNS = re.compile("[\x00-\x7f]+")  # removed in C: twice as fast as a per-character filter
_HALF_WIDTH_KANA_RUNS = re.compile("[\uff61-\uff9f]+")
# ﾞ after anything but ｳ, ｶ..ﾄ, ﾊ..ﾎ; ﾟ after anything but ﾊ..ﾎ (or at the start)
_MISPLACED_MARK = re.compile("(?:^|[^\uff73\uff76-\uff84\uff8a-\uff8e])\uff9e|(?:^|[^\uff8a-\uff8e])\uff9f")
_MIN_KANA_CHARS = 8
_KANA_TEXT_SHARE = 0.9
_HALF_WIDTH_TEXT_SCORE = 0.9


def _strict(data: bytes, encoding: str, *, at_eof: bool) -> str | None:
    try:
        return codecs.getincrementaldecoder(encoding)(STRICT).decode(data, final=at_eof)
    except UnicodeDecodeError:
        return None


def _bom(sample: bytes) -> Guess | None:
    if sample.startswith(UTF8_BOM):
        return Guess("utf-8", 3, "bom")
    if sample.startswith(UTF16_LE_BOM):
        return Guess("utf-16-le", 2, "bom")
    if sample.startswith(UTF16_BE_BOM):
        return Guess("utf-16-be", 2, "bom")
    return None


def _utf16_by_nuls(sample: bytes) -> Guess | None:
    """UTF-16 without a BOM (SQL Server's bcp -w, some exports): ASCII characters put a NUL
    in every other byte. Japanese text puts a few on the other side too (U+3000, 一 U+4E00):
    then the decoded sample must read as text."""
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even_nuls = sample[0 : pairs * 2 : 2].count(0)
    odd_nuls = sample[1 : pairs * 2 : 2].count(0)
    for nuls, other, encoding in ((odd_nuls, even_nuls, "utf-16-le"), (even_nuls, odd_nuls, "utf-16-be")):
        if nuls >= 0.3 * pairs and other <= 0.02 * pairs:
            return Guess(encoding, 0, "nul-pattern")
        if nuls >= 0.1 * pairs and other * 4 <= nuls and _reads_as_text(sample[: pairs * 2], encoding):
            return Guess(encoding, 0, "nul-pattern")
    return None


def _reads_as_text(sample: bytes, encoding: str) -> bool:
    """A strict decode with few control characters and plausible non-ASCII characters."""
    text = _strict(sample, encoding, at_eof=False)
    if text is None:
        return False
    controls = len(_CONTROL_CHAR.findall(text))
    return controls <= _MAX_CONTROL_SHARE * max(len(text), 1) and plausibility(text) >= _MIN_PLAUSIBLE


_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0C, 0x0D, 0x1A, 0x1B))
# Found by a class search: str.translate looks up every character (14 ms for 64K of CJK text).
_CONTROL_CHAR = re.compile("[" + "".join(f"\\x{b:02x}" for b in _CONTROL_BYTES) + "]")


def _looks_binary(sample: bytes) -> bool:
    """Binary: NUL bytes beyond a text's stray padding, or many control characters.

    Text with NULs in it (a database export padding its fields, a file cut off by a crash
    and filled with zeros) is still text when the rest decodes strictly into plausible
    characters; reading it as binary would leave a roster unjudged."""
    nuls = sample.count(0)
    if nuls > _MAX_NUL_SHARE * len(sample):
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES)) - nuls  # counted in C
    if controls > _MAX_CONTROL_SHARE * max(len(sample) - nuls, 1):
        return True
    if not nuls:
        return False
    rest = sample.replace(b"\x00", b"")
    if len(rest) < _MIN_TEXT_BYTES:
        return True
    return not (rest.isascii() or any(_reads_as_text(rest, encoding) for encoding in ASCII_COMPATIBLE))


def guess_encoding(sample: bytes, *, at_eof: bool = False) -> Guess | None:
    """Decide how to decode a file from its first bytes; None means binary.

    ``at_eof`` says the sample is the whole file (a truncated trailing character is
    then an error, not a cut).
    """
    found = _bom(sample) or _utf16_by_nuls(sample)
    if found:
        return found
    if _looks_binary(sample):
        return None
    if sample.isascii():
        return Guess(ISO2022, 0, "escape") if is_iso2022(sample) else Guess("utf-8", 0, "ascii")
    return choose_ascii_compatible(sample, at_eof=at_eof)


def is_iso2022(sample: bytes) -> bool:
    """Seven-bit text that shifts into JIS X 0208: ISO-2022-JP."""
    return any(shift in sample for shift in JIS_SHIFTS) and sample.isascii()


def bom_or_utf16(sample: bytes) -> Guess | None:
    """A BOM, or UTF-16 told by its NUL bytes (cheap checks, no decoding)."""
    return _bom(sample) or _utf16_by_nuls(sample)


def ascii_compatible_family(sample: bytes) -> bool:
    """True when the sample is text in one of utf-8, cp932, euc-jp, without deciding which
    (that costs a plausibility score; a byte prefilter works on all three alike)."""
    found = _bom(sample) or _utf16_by_nuls(sample)
    if found:
        return found.ascii_compatible
    return not _looks_binary(sample)


def choose_ascii_compatible(sample: bytes, *, at_eof: bool = False) -> Guess:
    """Pick utf-8, cp932 or euc-jp for non-ASCII bytes by strict decode + plausibility.

    UTF-8 gets a head start: long runs of cp932/euc-jp almost never pass as UTF-8,
    but a few bytes can (euc-jp 郎 is UTF-8 Ϻ), so the decoded text still competes.
    """
    scored: list[tuple[float, int, str]] = []
    for order, encoding in enumerate(ASCII_COMPATIBLE):
        text = _strict(sample, encoding, at_eof=at_eof)
        if text is not None:
            bonus = _UTF8_HEAD_START if encoding == "utf-8" else 0.0
            scored.append((plausibility(text) + bonus, -order, encoding))
            if scored[0][0] >= 1.0 and scored[0][2] == "utf-8":
                break  # no other decode can beat it: scores end at 1.0 and UTF-8 wins ties
    if scored:
        score, _, encoding = max(scored)
        if score >= _MIN_PLAUSIBLE:
            return Guess(encoding, 0, "strict")
    return _least_damaged(sample)


def _least_damaged(sample: bytes) -> Guess:
    """Nothing decodes cleanly: the encoding with the fewest replacement characters."""
    damage = [(codecs.decode(sample, enc, REPLACE).count("\ufffd"), i, enc)
              for i, enc in enumerate(ASCII_COMPATIBLE)]
    return Guess(min(damage)[2], 0, "replace")


@dataclass(slots=True)
class TextStream:
    """Decode a binary stream in chunks as ``guess`` says, in bounded memory.

    Iterating yields text pieces. ``problems`` collects what went wrong (never raised):
    a decode failure switches the rest of the file to replacement characters.
    ``encoding`` is the final decision (an "ascii" guess settles on the first
    non-ASCII chunk).
    """

    raw: BinaryIO
    guess: Guess
    chunk_bytes: int = 1 << 20
    problems: list[str] = field(default_factory=list)
    encoding: str = ""
    bytes_read: int = 0
    _errors: str = STRICT

    def __iter__(self) -> Iterator[str]:
        self.encoding = self.guess.encoding
        undecided = self.guess.how == "ascii"
        if self.guess.how == "replace":
            self._errors = REPLACE
            self.problems.append(f"no encoding decodes cleanly; decoded as {self.encoding} with replacement")
        self.bytes_read = len(self.raw.read(self.guess.bom))
        decoder = codecs.getincrementaldecoder(self.encoding)(self._errors)
        while chunk := self.raw.read(self.chunk_bytes):
            if undecided and not chunk.isascii():
                undecided = False  # ASCII so far decodes the same in every candidate
                chunk += self.raw.read(max(_DECIDE_BYTES - len(chunk), 0))  # judge on enough bytes
                self.encoding = choose_ascii_compatible(chunk, at_eof=len(chunk) < _DECIDE_BYTES).encoding
                decoder = codecs.getincrementaldecoder(self.encoding)(self._errors)
            elif undecided and is_iso2022(chunk):  # an e-mail's ASCII headers, then a JIS body
                undecided = False
                self.encoding = ISO2022
                decoder = codecs.getincrementaldecoder(self.encoding)(self._errors)
            text, decoder = self._decode(decoder, chunk, final=False)
            self.bytes_read += len(chunk)
            yield text
        text, _ = self._decode(decoder, b"", final=True)
        yield text

    def _decode(self, decoder: codecs.IncrementalDecoder, chunk: bytes, *,
                final: bool) -> tuple[str, codecs.IncrementalDecoder]:
        state = decoder.getstate()
        try:
            return decoder.decode(chunk, final=final), decoder
        except UnicodeDecodeError as exc:
            offset = self.bytes_read + max(exc.start - len(state[0]), 0)
            self.problems.append(f"invalid {self.encoding} bytes near offset {offset}; "
                                 "rest decoded with replacement characters")
            self._errors = REPLACE
            lenient = codecs.getincrementaldecoder(self.encoding)(REPLACE)
            lenient.setstate(state)
            return lenient.decode(chunk, final=final), lenient
