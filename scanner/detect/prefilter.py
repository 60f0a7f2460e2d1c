"""Byte-level prefilter: can any detector match anywhere in these bytes?

False means certainly not, so a caller may call a file clean without decoding it.
Looks for ASCII digits, full-width digits in UTF-8 (EF BC 90-99), CP932 (82 4F-58) and
EUC-JP (A3 B0-B9), and every anchor a rule declares, encoded in each of those encodings.
Two interchangeable backends: Hyperscan where importable, the ``re`` module otherwise.
Digits reachable only through NFKC compatibility forms (①, ¹, 𝟏) are not looked for:
numbers in office files are not written that way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ahocorasick

_DIGIT_BYTES = [rb"[0-9]", rb"\xef\xbc[\x90-\x99]", rb"\x82[\x4f-\x58]", rb"\xa3[\xb0-\xb9]"]
_ENCODINGS = ("utf-8", "cp932", "euc-jp")
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


def hyperscan_available() -> bool:
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


class Prefilter:
    """Answers "might anything match?" for raw bytes and for decoded text."""

    def __init__(self, anchors: Iterable[str], backend: str = "auto") -> None:
        if backend not in BACKENDS:
            raise ValueError(f"prefilter must be one of {', '.join(BACKENDS)}, not {backend!r}")
        anchors = sorted(set(anchors))
        exprs = _DIGIT_BYTES + [b"".join(b"\\x%02x" % b for b in form) for form in anchor_byte_forms(anchors)]
        if backend == "auto":
            backend = "hyperscan" if hyperscan_available() else "regex"
        self.backend = backend
        self._plain = _LiteralSearch(anchor_byte_forms(anchors))
        self._hs = _HyperscanSet(exprs) if backend == "hyperscan" else None
        text_alts = ["[0-9\uff10-\uff19]"] + [re.escape(a) for a in anchors]
        self._text_re = re.compile("|".join(text_alts))

    def bytes_may_match(self, data: bytes) -> bool:
        if self._hs is not None:
            return self._hs.any_match(data)
        return self._plain.any_match(data)

    def text_may_match(self, text: str) -> bool:
        return self._text_re.search(text) is not None


class _LiteralSearch:
    """The same question without Hyperscan: ASCII digits by memchr (most files stop there),
    then one Aho-Corasick pass (pyahocorasick) for the multi-byte forms and the anchors.
    Bytes go through latin-1 so that each byte is one character of the automaton's text.
    """

    _DIGITS = [bytes([d]) for d in b"0123456789"]
    _MULTI = ([b"\xef\xbc" + bytes([b]) for b in range(0x90, 0x9A)]  # UTF-8 full-width digits
              + [b"\x82" + bytes([b]) for b in range(0x4F, 0x59)]  # CP932
              + [b"\xa3" + bytes([b]) for b in range(0xB0, 0xBA)])  # EUC-JP

    def __init__(self, anchor_forms: list[bytes]) -> None:
        self._automaton = ahocorasick.Automaton()
        for needle in self._MULTI + anchor_forms:
            key = needle.decode("latin-1")
            self._automaton.add_word(key, key)
        self._automaton.make_automaton()

    def any_match(self, data: bytes) -> bool:
        if any(d in data for d in self._DIGITS):
            return True
        return next(self._automaton.iter(data.decode("latin-1")), None) is not None


class _HyperscanSet:
    """A Hyperscan block-mode database that stops at the first match."""

    def __init__(self, exprs: list[bytes]) -> None:
        import hyperscan

        self._hs = hyperscan
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(expressions=exprs, ids=list(range(len(exprs))), elements=len(exprs),
                         flags=[hyperscan.HS_FLAG_SINGLEMATCH] * len(exprs))

    def any_match(self, data: bytes) -> bool:
        try:
            self._db.scan(data, match_event_handler=_stop)
        except self._hs.ScanTerminated:
            return True
        return False


def _stop(*_args: object) -> bool:
    return True  # first match is enough: terminate the scan
