"""Plain text (the fallback format) and CSV/TSV, streamed in bounded memory.

Text is decoded by ``scanner.encoding`` and yielded as TextBlocks of about
``ScanLimits.text_chunk_chars`` characters, cut at line ends, each knowing the line it
starts on. CSV/TSV (by extension, or a .txt whose lines share a delimiter count, as Excel's
"Unicode text" export) yields TableBlocks as a sheet does (scanner.extract.tables), each
bounded in rows and characters and under its table's header. Decode problems are reported as
PartNotes, never raised and never dropped.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator

from ..encoding import REPLACE, Guess, TextStream, ascii_compatible_family, guess_encoding
from ..encoding import bom_or_utf16 as _bom_or_utf16
from ..errors import Unsupported
from ..model import Block, Outcome, PartNote, TextBlock
from . import FormatSpec, ScanContext, Source
from .csv_feed import LineFeed
from .listing import ListingReader
from .tables import table_blocks

TEXT_FORMAT_NAMES = frozenset({"text", "csv", "html", "xml"})  # formats whose raw bytes a byte prefilter can judge
REFERENCE_FORMATS = frozenset({"html", "xml"})  # ... unless they hold character references (&#...;)
HEADER_SCAN_ROWS = 30
CSV_SUFFIXES = frozenset({"csv", "tsv", "tab"})
# What systems export tables as too (KOJIN.TXT, EXPORT.DAT, a name with no suffix): a table
# when its lines share one count of a delimiter, else text.
_TABLE_LIKE_SUFFIXES = frozenset({"txt", "dat", ""})
_SNIFF_LINES = 20
_MAX_LINE_FACTOR = 4  # a CSV "line" longer than this many text chunks is not a CSV


def head_guess(source: Source) -> Guess | None:
    """The encoding decided from the source's head; None for binary content."""
    return guess_encoding(source.head, at_eof=source.size <= len(source.head))


def raw_prefilter_applies(source: Source) -> bool:
    """True when a byte-level prefilter over the raw file is meaningful (ASCII-compatible
    text: UTF-8, CP932, EUC-JP). False for UTF-16 and binary content."""
    return ascii_compatible_family(source.head)


def open_text(source: Source, ctx: ScanContext) -> TextStream:
    guess = head_guess(source)
    if guess is None:
        raise Unsupported("binary")
    return TextStream(source.opener(), guess, chunk_bytes=max(ctx.limits.text_chunk_chars, 4096))


def problem_notes(stream: TextStream) -> Iterator[PartNote]:
    for problem in stream.problems:
        yield PartNote(where="", outcome=Outcome.ERROR, reason=f"encoding: {problem}", read_anyway=True)


def deadline_checked(pieces: Iterable[str], ctx: ScanContext) -> Iterator[str]:
    """``pieces`` as they come, with the file's deadline checked before each."""
    for piece in pieces:
        ctx.deadline.check()
        yield piece


_NUMBER_GLUE = frozenset(" \u3000-‐‑–—―−－ーｰ")  # characters a number may be written with
_MAX_BACKOFF = 64


def _cut_point(text: str, limit: int) -> int:
    """Where to end a chunk of at most ``limit`` characters: after the last line end,
    else before a run of digits/dashes (so a number is not split), else at the limit."""
    cut = text.rfind("\n", 0, limit) + 1
    if cut:
        return cut
    i = limit
    while i > max(limit - _MAX_BACKOFF, 0) and (text[i - 1].isdigit() or text[i - 1] in _NUMBER_GLUE):
        i -= 1
    return i if i > max(limit - _MAX_BACKOFF, 0) else limit


def line_chunks(pieces: Iterable[str], limit: int) -> Iterator[tuple[str, int]]:
    """Regroup text pieces into (chunk, first_line) of about ``limit`` characters.

    Chunks end at a line end where one exists within the limit; a single line longer
    than ``limit`` is cut before a number rather than through it (see _cut_point) and
    keeps its line number in the next chunk.
    """
    pending = ""
    line = 1
    for piece in pieces:
        pending += piece
        while len(pending) >= limit:
            cut = _cut_point(pending, limit)
            chunk, pending = pending[:cut], pending[cut:]
            yield chunk, line
            line += chunk.count("\n")
    if pending:
        yield pending, line


def extract_text(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    stream = open_text(source, ctx)
    listings = ListingReader()  # a header line over rows set out under it is a table
    for chunk, first_line in line_chunks(deadline_checked(stream, ctx), ctx.limits.text_chunk_chars):
        yield from listings.blocks(chunk, first_line)
    yield from problem_notes(stream)


# --- CSV / TSV -----------------------------------------------------------------


def decoded_head(source: Source) -> str | None:
    """The source's head as text, decoded as its head says (None for binary content)."""
    guess = head_guess(source)
    return None if guess is None else _decoded(source, guess)


def _decoded(source: Source, guess: Guess) -> str:
    return source.head[guess.bom:].decode(guess.encoding, REPLACE)


def _head_lines(source: Source, guess: Guess) -> list[str]:
    text = _decoded(source, guess)
    lines = text.splitlines()  # CR, LF and CRLF alike (a "CSV (Macintosh)" file has only CRs)
    if source.size > len(source.head):
        lines = lines[:-1]  # the last line may be cut by the head's end
    return [ln for ln in lines if ln.strip()][:_SNIFF_LINES]


def _shared_delimiter(lines: list[str]) -> str | None:
    """The delimiter the lines mostly share one non-zero count of: a tab (Excel's "Unicode
    text" and kin), a pipe, a comma or a semicolon (system exports); None for text. A comma
    or a semicolon needs three lines: two lines of prose may share one."""
    for delimiter in _DELIMITERS_BY_TRUST:
        if len(lines) < (2 if delimiter in "\t|" else 3):
            continue
        counts = [ln.count(delimiter) for ln in lines]
        common, times = max(((c, counts.count(c)) for c in set(counts)), key=lambda ct: ct[1])
        if common > 0 and times >= 0.8 * len(counts):
            return delimiter
    return None


_DELIMITERS_BY_TRUST = "\t|,;"


def sniff_csv(source: Source) -> bool:
    if source.suffix not in CSV_SUFFIXES | _TABLE_LIKE_SUFFIXES:
        return False
    if source.suffix in CSV_SUFFIXES:  # cheap: which Japanese encoding is decided after the prefilter
        return bool(_bom_or_utf16(source.head)) or ascii_compatible_family(source.head)
    # 0x09, 0x2C and 0x3B are those characters in every encoding we read; 0x7C is also a
    # CP932 trail byte, so the decoded lines decide
    cut = source.size > len(source.head)
    if b"\t" not in source.head and not (ascii_compatible_family(source.head) and _raw_delimited(source.head, cut)):
        return False
    guess = head_guess(source)
    if guess is None:
        return False
    return _shared_delimiter(_head_lines(source, guess)) is not None


def _raw_delimited(head: bytes, cut: bool) -> bool:
    """A cheap look at the raw head before decoding it: do its lines share a count of a
    pipe, a comma or a semicolon (most .txt files are prose, with none or a few)?"""
    lines = [line for line in head.split(b"\n")[:_SNIFF_LINES + 1] if line.strip()]
    if cut and len(lines) > 1:
        lines.pop()  # cut by the head's end
    for delimiter in (b"|", b",", b";"):
        counts = [line.count(delimiter) for line in lines]
        if len(counts) >= 2 and counts[0] and sum(1 for c in counts if c == counts[0]) >= 0.8 * len(counts):
            return True
    return False


_DELIMITERS = ",\t;|"


class _DelimiterSniffer(csv.Sniffer):
    """csv.Sniffer whose frequency tables count only the candidate delimiters, and which
    looks for quoted cells only in a sample that has a quote character.

    The standard ``_guess_delimiter`` counts all 127 ASCII characters on every line
    (2,500 ``str.count`` calls for a 20-line sample, most of a small CSV's extraction) and
    then keeps only the characters in ``delimiters``. Each character's statistics are its
    own, so counting only those characters gives the same answer (checked against the
    standard sniffer in tests/scanner/test_extract_text.py).
    """

    def _guess_quote_and_delimiter(self, data: str, delimiters: str | None) -> tuple[str, bool, str | None, int]:
        # Its four regexes each need a quote character: without one in the sample, the
        # answer is "no quotes" (most office CSVs), without four passes over the sample.
        if '"' not in data and "'" not in data:
            return "", False, None, 0
        return super()._guess_quote_and_delimiter(data, delimiters)  # type: ignore[misc]

    def _guess_delimiter(self, data: str, delimiters: str | None) -> tuple[str, bool | int]:
        if delimiters is None:
            return super()._guess_delimiter(data, delimiters)  # type: ignore[misc]
        return _guess_delimiter(self.preferred, data, delimiters)


def _guess_delimiter(preferred: list[str], data: str, delimiters: str) -> tuple[str, bool | int]:
    """csv.Sniffer._guess_delimiter (CPython 3.11) with its character table cut to ``delimiters``."""
    lines = list(filter(None, data.split("\n")))
    chars = [c for c in dict.fromkeys(delimiters) if ord(c) < 127]
    chunk_length = min(10, len(lines))
    iteration = 0
    char_frequency: dict[str, dict[int, int]] = {}
    modes: dict[str, tuple[int, int]] = {}
    delims: dict[str, tuple[int, int]] = {}
    start, end = 0, chunk_length
    while start < len(lines):
        iteration += 1
        for line in lines[start:end]:
            for char in chars:
                meta = char_frequency.setdefault(char, {})
                freq = line.count(char)
                meta[freq] = meta.get(freq, 0) + 1
        for char, meta in char_frequency.items():
            items = list(meta.items())
            if len(items) == 1 and items[0][0] == 0:
                continue
            if len(items) > 1:
                mode = max(items, key=lambda x: x[1])
                items.remove(mode)
                modes[char] = (mode[0], mode[1] - sum(item[1] for item in items))
            else:
                modes[char] = items[0]
        total = float(min(chunk_length * iteration, len(lines)))
        consistency = 1.0
        while len(delims) == 0 and consistency >= 0.9:
            for k, v in modes.items():
                if v[0] > 0 and v[1] > 0 and v[1] / total >= consistency and k in delimiters:
                    delims[k] = v
            consistency -= 0.01
        if len(delims) == 1:
            delim = next(iter(delims))
            return delim, lines[0].count(delim) == lines[0].count(f"{delim} ")
        start = end
        end += chunk_length
    if not delims:
        return "", 0
    if len(delims) > 1:
        for d in preferred:
            if d in delims:
                return d, lines[0].count(d) == lines[0].count(f"{d} ")
    delim = sorted((v, k) for k, v in delims.items())[-1][1]
    return delim, lines[0].count(delim) == lines[0].count(f"{delim} ")


def _dialect(source: Source, guess: Guess) -> type[csv.Dialect]:
    sample = "\n".join(_head_lines(source, guess))
    shared = None if source.suffix in CSV_SUFFIXES else _shared_delimiter(sample.split("\n"))
    try:
        sniffed = _DelimiterSniffer().sniff(sample, delimiters=_DELIMITERS)
    except csv.Error:
        sniffed = None
    if shared is not None and (sniffed is None or sniffed.delimiter != shared):
        # a .txt is taken for a table because of the delimiter its lines share: that one
        return type("Shared", (csv.excel,), {"delimiter": shared})
    if sniffed is None:
        return csv.excel if source.suffix == "csv" else csv.excel_tab
    return sniffed


def extract_csv(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    stream = open_text(source, ctx)
    max_line = _MAX_LINE_FACTOR * ctx.limits.text_chunk_chars
    if csv.field_size_limit() < max_line:  # a long cell (a pasted letter) is still a cell
        csv.field_size_limit(max_line)
    feed = LineFeed(deadline_checked(stream, ctx), max_line)
    reader = csv.reader(feed.lines(), _dialect(source, stream.guess))
    failures: list[Exception] = []
    top = list(itertools.islice(feed.rows(reader, failures, keep=True), HEADER_SCAN_ROWS))
    if failures:  # not a table from its first lines on: all of it is read as text
        top = []
    else:
        feed.record.clear()
    # Read as a sheet is: a title over the header (職員名簿) under none of its columns, each
    # table an empty line parts from the next under its own header, notes looked past.
    rows = enumerate(itertools.chain(top, feed.rows(reader, failures)), start=1)
    yield from table_blocks(((n, row) for n, row in rows if any(cell.strip() for cell in row)), "",
                            max_chars=ctx.limits.text_chunk_chars)
    if failures:
        first = feed.record_line()
        yield PartNote("", Outcome.ERROR, f"csv: {failures[0]} (line {feed.lines_out}); read as plain text "
                                          f"from line {first}", read_anyway=True)
        for chunk, line in line_chunks(deadline_checked(feed.remainder(), ctx), ctx.limits.text_chunk_chars):
            yield TextBlock(chunk, where="", first_line=first + line - 1)
    yield from problem_notes(stream)


FORMATS = [
    FormatSpec("csv", sniff_csv, extract_csv, priority=10),
    FormatSpec("text", lambda _source: True, extract_text, priority=0),
]
