"""Byte-level prefilter: can any detector match anywhere in these bytes?

False means certainly not, so a caller may call a file clean without decoding it.
Looks for digit runs as long as the shortest candidate-triggered rule needs
(``min_digits``: 10 for pension numbers, 12 for My Number), with at most one separator
between two digits, in ASCII and in full-width digits, with the separators as UTF-8,
CP932 and EUC-JP write them, for every anchor a rule declares, encoded in each of those encodings,
and for ISO-2022-JP's shift into kanji (a JIS file is decoded, never judged on its raw bytes). Dates,
amounts and extension numbers (the digits of every office file) do not pass.
Two interchangeable backends: Hyperscan where importable, the ``re`` module otherwise.
Compiling the Hyperscan database is a noticeable part of startup, so the compiled database
is cached in the user cache directory (see ``default_cache_dir``), keyed by what it was
compiled from; a cache that is missing, unreadable, corrupt or made elsewhere is recompiled.
Digits reachable only through NFKC compatibility forms (①, ¹, 𝟏) are not looked for:
numbers in office files are not written that way.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import ahocorasick
import platformdirs

from ..encoding import JIS_SHIFTS

T = TypeVar("T")
_ENCODINGS = ("utf-8", "cp932", "euc-jp")
# The digits and dashes a number is written with (the engine's digit boxes use them too)
DIGITS = "0123456789\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19"
DASHES = "-\u2010\u2011\u2013\u2014\u2015\u2212\uff0d\u30fc\uff70"
_SPACES = " \u3000"
_LONGEST_GAP = 3  # " - ", "-\r\n"


def _shape(d: str, space: str, dash: str, line_break: str, min_digits: int) -> str:
    """``min_digits`` digits; between two of them at most a space, or a dash with a space on
    either side or both (a form's digit boxes read out of a PDF: 1 2 3 4 - 5 6 7 8 9 0), or a
    dash at a line's end (a narrow table cell wrapped the number there: 1234-⏎567890)."""
    return f"{d}(?:(?:{space}|{space}?{dash}(?:{space}|{line_break})?)?{d}){{{min_digits - 1}}}"


def candidate_text(min_digits: int) -> str:
    """A run of ``min_digits`` digits, at most one separator between two of them, or a dash
    set apart by spaces or ending a line."""
    return _shape(f"[{DIGITS}]", f"[{re.escape(_SPACES)}]", f"[{re.escape(DASHES)}]", r"\r?\n", min_digits)


def longest_candidate(min_digits: int) -> int:
    """The most characters a candidate_text() match can hold."""
    return min_digits + _LONGEST_GAP * (min_digits - 1)


def _alternation(chars: str, encoding: str) -> str:
    """The characters as an alternation of their byte forms in ``encoding`` (a pattern for
    bytes, as latin-1 text; a character the encoding lacks is left out)."""
    forms = set()
    for ch in chars:
        try:
            forms.add(ch.encode(encoding))
        except UnicodeEncodeError:
            continue
    return "(?:" + "|".join("".join(f"\\x{b:02x}" for b in f) for f in sorted(forms)) + ")"


def candidate_byte_patterns(min_digits: int, encodings: tuple[str, ...] = _ENCODINGS) -> list[bytes]:
    """candidate_text() as bytes, once per encoding (a file has one)."""
    return [_shape(_alternation(DIGITS, e), _alternation(_SPACES, e), _alternation(DASHES, e),
                   f"{_alternation(chr(13), e)}?{_alternation(chr(10), e)}", min_digits).encode("ascii")
            for e in encodings]

BACKENDS = ("auto", "hyperscan", "regex")


def anchor_byte_forms(anchors: Iterable[str]) -> list[bytes]:
    """Each anchor in each ASCII-compatible encoding it can be written in."""
    forms: set[bytes] = set()
    for anchor in anchors:
        for encoding in _ENCODINGS:
            try:
                forms.add(anchor.encode(encoding))
            except UnicodeEncodeError:
                continue
    return sorted(forms)


def default_cache_dir() -> Path:
    """Where compiled Hyperscan databases are kept (on Linux ~/.cache/pii-agent/prefilter,
    or under $XDG_CACHE_HOME)."""
    return Path(platformdirs.user_cache_dir("pii-agent")) / "prefilter"


def hyperscan_available() -> bool:
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


def _with_hyperscan(backend: str, build: Callable[[], T]) -> T | None:
    """``build()`` when Hyperscan is to be used, else None. ``auto`` uses it when it imports
    and works here: a wheel that imports but cannot compile on this CPU (Hyperscan needs
    SSSE3) falls back to ``re``, which gives the same answers more slowly; ``hyperscan``
    insists, and its error stops the start."""
    if backend == "regex" or (backend == "auto" and not hyperscan_available()):
        return None
    if backend == "hyperscan":
        return build()
    import hyperscan

    try:
        return build()
    except hyperscan.error:
        return None


class Prefilter:
    """Answers "might anything match?" for raw bytes and for decoded text.

    ``cache_dir``: where the compiled Hyperscan database is cached (default_cache_dir()).
    """

    def __init__(self, anchors: Iterable[str], backend: str = "auto", min_digits: int = 10,
                 cache_dir: Path | None = None) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"prefilter must be one of {', '.join(BACKENDS)}, not {backend!r}")
        anchors = sorted(set(anchors))
        # ISO-2022-JP shifts its kanji and full-width digits into seven-bit pairs no byte
        # pattern here sees: a shift into JIS X 0208 is itself reason to decode the file.
        literals = anchor_byte_forms(anchors) + list(JIS_SHIFTS)
        exprs = candidate_byte_patterns(min_digits) + [b"".join(b"\\x%02x" % b for b in form) for form in literals]
        self._plain = _LiteralSearch(literals, min_digits)
        self._hs = _with_hyperscan(backend, lambda: _HyperscanSet(exprs, cache_dir or default_cache_dir()))
        self.backend = "regex" if self._hs is None else "hyperscan"
        self.candidate_text = candidate_text(min_digits)
        text_alts = [self.candidate_text] + [re.escape(a) for a in anchors]
        self._text_re = re.compile("|".join(text_alts))

    def bytes_may_match(self, data: bytes) -> bool:
        if self._hs is not None:
            return self._hs.any_match(data)
        return self._plain.any_match(data)

    def text_may_match(self, text: str) -> bool:
        return self._text_re.search(text) is not None


class _LiteralSearch:
    """The same question without Hyperscan: one ``re`` pass for the digit shapes (a file
    without two nearby digits skips it), then one Aho-Corasick pass
    (pyahocorasick) for the anchors. Bytes go through latin-1 so that each byte is one
    character of the automaton's text."""

    _TWO_DIGITS = re.compile(rb"[0-9][0-9 \r\n-]{0,3}[0-9]|\xef\xbc[\x90-\x99]|\x82[\x4f-\x58]|\xa3[\xb0-\xb9]")

    def __init__(self, anchor_forms: list[bytes], min_digits: int) -> None:
        self._shapes = re.compile(b"|".join(candidate_byte_patterns(min_digits)))
        self._automaton: ahocorasick.Automaton | None = None
        if anchor_forms:
            self._automaton = ahocorasick.Automaton()
            for needle in anchor_forms:
                key = needle.decode("latin-1")
                self._automaton.add_word(key, key)
            self._automaton.make_automaton()

    def any_match(self, data: bytes) -> bool:
        if self._TWO_DIGITS.search(data) and self._shapes.search(data):
            return True
        if self._automaton is None:
            return False
        return next(self._automaton.iter(data.decode("latin-1")), None) is not None


class _HyperscanSet:
    """A Hyperscan block-mode database that stops at the first match, loaded from the
    cache when an earlier run compiled the same expressions with the same Hyperscan."""

    def __init__(self, exprs: list[bytes], cache_dir: Path) -> None:
        import hyperscan

        self._hs = hyperscan
        self._db = _database(hyperscan, exprs, [hyperscan.HS_FLAG_SINGLEMATCH] * len(exprs), cache_dir)

    def any_match(self, data: bytes) -> bool:
        try:
            self._db.scan(data, match_event_handler=_stop)
        except self._hs.ScanTerminated:
            return True
        return False


class TextSpans:
    """Where in a decoded text a rule's candidate may be: spans that hold every match of
    candidate_text() and of each anchor, padded, merged and in order; None without
    Hyperscan. Python's ``re`` pays about 0.7 us at every digit of a text (dates, amounts:
    10 ms for a 70,000-character memo); Hyperscan finds the few places in under 1 ms, and
    ``re`` then runs on those places alone. The text is scanned as UTF-32 so that a match's
    end in bytes is its end in characters times four, with no offset map."""

    def __init__(self, min_digits: int, anchors: Iterable[str], backend: str = "auto",
                 cache_dir: Path | None = None) -> None:
        anchors = sorted(set(anchors))
        self._longest = [longest_candidate(min_digits)] + [len(a) for a in anchors]  # per expression
        self._pad = max(self._longest)  # room for re to choose as it would on the whole text
        exprs = candidate_byte_patterns(min_digits, ("utf-32-le",)) + [_utf32_literal(a) for a in anchors]

        def compiled() -> Any:
            import hyperscan

            return _database(hyperscan, exprs, [0] * len(exprs), cache_dir or default_cache_dir())

        self._db = _with_hyperscan(backend, compiled)

    def spans(self, text: str) -> list[tuple[int, int]] | None:
        if self._db is None:
            return None
        ends: list[tuple[int, int]] = []
        self._db.scan(text.encode("utf-32-le", "surrogatepass"),
                      match_event_handler=lambda expr, _start, end, _flags, _ctx: ends.append((expr, end)))
        spans: list[tuple[int, int]] = []
        pad, size = self._pad, len(text)
        # Bytes of two neighbouring characters can match too (a span between characters):
        # re then looks at that span for nothing.
        for expr, end in sorted(ends, key=lambda e: e[1]):
            lo, hi = max(0, end // 4 - self._longest[expr] - pad), min(size, -(-end // 4) + pad)
            if spans and lo <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], hi))
            else:
                spans.append((lo, hi))
        return spans


def _utf32_literal(text: str) -> bytes:
    return b"".join(b"\\x%02x" % b for b in text.encode("utf-32-le"))


def _database(hyperscan: Any, exprs: list[bytes], flags: list[int], cache_dir: Path) -> Any:
    """A block-mode database for ``exprs``, from the cache when an earlier run compiled the
    same expressions with the same Hyperscan, else compiled (and cached)."""
    version = getattr(hyperscan, "__version__", "")
    cache_file = cache_dir / f"{_cache_key(version, exprs, flags)}.hsdb"
    db = _load_cached(hyperscan, cache_file)
    if db is None:
        db = _compile(hyperscan, exprs, flags)
        _write_cache(cache_file, hyperscan.dumpb(db))
    return db


def _stop(*_args: object) -> bool:
    return True  # first match is enough: terminate the scan


_CACHE_FORMAT = b"pii-agent prefilter 1: block mode, ids 0..n-1\0"
_CACHED_DATABASES_KEPT = 16  # two per rule set; other rule sets (tests, --rules) leave a few


def _cache_key(hyperscan_version: str, exprs: list[bytes], flags: list[int]) -> str:
    digest = hashlib.sha256(_CACHE_FORMAT + f"{hyperscan_version} {platform.machine()}\0".encode())
    for expr, flag in zip(exprs, flags, strict=True):
        digest.update(b"%d %d " % (flag, len(expr)) + expr)
    return digest.hexdigest()


def _compile(hyperscan: Any, exprs: list[bytes], flags: list[int]) -> Any:
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=exprs, ids=list(range(len(exprs))), elements=len(exprs), flags=flags)
    return db


def _load_cached(hyperscan: Any, cache_file: Path) -> Any:
    """The database cached in ``cache_file`` (a SHA-256 of the payload, then the payload
    hyperscan.dumpb made), or None when it is missing, unreadable, damaged, unusable here,
    or could have been written by another user."""
    try:
        with cache_file.open("rb") as entry:
            if not _written_by_us(os.fstat(entry.fileno())):
                return None
            blob = entry.read()
    except OSError:
        return None
    checksum, payload = blob[:32], blob[32:]
    if hashlib.sha256(payload).digest() != checksum:
        return None
    try:
        db = hyperscan.loadb(payload, hyperscan.HS_MODE_BLOCK)
        db.scratch = hyperscan.Scratch(db)  # loadb leaves the database without one
        # Hyperscan refuses to scan with a database built for other CPU features: ask now.
        db.scan(b"", match_event_handler=_stop)
    except hyperscan.error:
        return None
    return db


def _written_by_us(stat: os.stat_result) -> bool:
    # A planted database that never matches would make every file look clean: trust only
    # an entry that is ours and that no other user can write (this module writes it 0600).
    return stat.st_uid == os.getuid() and not stat.st_mode & 0o022


def _write_cache(cache_file: Path, payload: bytes) -> None:
    """Write atomically (a concurrent reader sees the old file or the new one, never half of
    one) and drop the oldest entries; a cache that cannot be written only costs a recompile."""
    tmp: str | None = None
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=cache_file.parent, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, cache_file)
        tmp = None
        _drop_old_entries(cache_file.parent)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _drop_old_entries(cache_dir: Path) -> None:
    entries = sorted(cache_dir.glob("*.hsdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[_CACHED_DATABASES_KEPT:]:
        old.unlink(missing_ok=True)
