"""Turn a rule into something that finds candidates in normalized text.

Pattern rules become a ``PatternFinder``; ``kind: recognizer`` rules are built by their
factory. Both answer ``find(text, header) -> Iterable[Candidate]``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from pathlib import Path

import regex

from .context import HeaderContext, KeywordContext
from .errors import RulesError
from .normalize import NormalizedText
from .recognizers import Candidate, Recognizer, available
from .rules import RuleSpec


class PatternFinder:
    """The rule's regexes, then its validator; overlapping matches keep the best score.

    A pattern may name a group ``value``: that part is the value (a 14-digit pension
    certificate number holds the 10-digit pension number), the whole match the location.
    """

    def __init__(self, spec: RuleSpec) -> None:
        self.spec = spec
        validated = (f"validator:{spec.validator_name}",) if spec.validator is not None else ()
        # Per pattern: whether it names a value group, and the reasons every match of it gives.
        self._patterns = [(p, "value" in p.regex.groupindex, (f"pattern:{p.name}", *validated))
                          for p in spec.patterns if p.scope == "text"]
        self._column_patterns = [(p, "value" in p.regex.groupindex, (f"pattern:{p.name}", *validated))
                                 for p in spec.patterns if p.scope == "column"]
        self.batches = all(_separator_blind(p.regex) for p, _, _ in self._patterns)

    @property
    def has_column_patterns(self) -> bool:
        return bool(self._column_patterns)

    def find_in_column_cell(self, text: str) -> Candidate | None:
        """The best ``scope: column`` match of a whole cell (normalized, surrounding spaces
        ignored); the caller has checked that the column's header names this rule."""
        stripped = text.strip()
        if not stripped:
            return None
        offset = text.index(stripped[0])
        best: Candidate | None = None
        for pattern, has_value, reasons in self._column_patterns:
            m = pattern.regex.fullmatch(stripped)
            if m is None:
                continue
            value = self._value(m.group("value") if has_value else m.group(), pattern.zero_pad)
            if value is not None and (best is None or pattern.score > best.score):
                best = Candidate(offset, offset + len(stripped), value, pattern.score, reasons)
        return best

    def _value(self, raw: str, zero_pad: int) -> str | None:
        """The value a column match stands for: zeros a spreadsheet dropped put back
        (zero_pad is for column patterns only, rules.py), then validated."""
        raw = raw.replace(" ", "")
        if zero_pad:
            raw = raw.zfill(zero_pad)
        validator = self.spec.validator
        return validator(raw) if validator is not None else raw

    def find(self, text: NormalizedText, header: str | None) -> Iterable[Candidate]:
        found: list[Candidate] = []
        validator = self.spec.validator
        for pattern, has_value, reasons in self._patterns:
            for m in pattern.regex.finditer(text.text):
                raw = m.group("value") if has_value else m.group()
                value = validator(raw) if validator is not None else raw.replace(" ", "")
                if value is None:
                    continue
                found.append(Candidate(m.start(), m.end(), value, pattern.score, reasons))
        return _best_non_overlapping(found)

    def find_cells(self, texts: list[str]) -> list[list[Candidate]]:
        """``[find(t) for t in texts]`` (offsets per text) with one regex pass per pattern
        over the texts joined by a control character; only for rules whose patterns are
        ``batches`` (blind to that character), where the joined pass finds exactly the
        matches of each text."""
        if not self.batches:
            raise ValueError(f"rule {self.spec.id}: its patterns may see across a cell separator")
        joined = _CELL_SEP.join(texts)
        if joined.count(_CELL_SEP) != len(texts) - 1:  # a text holds the separator itself
            return [self._find(t) for t in texts]
        starts, pos = [], 0
        for t in texts:
            starts.append(pos)
            pos += len(t) + 1
        found: list[list[Candidate]] = [[] for _ in texts]
        validator = self.spec.validator
        for pattern, has_value, reasons in self._patterns:
            for m in pattern.regex.finditer(joined):
                raw = m.group("value") if has_value else m.group()
                value = validator(raw) if validator is not None else raw.replace(" ", "")
                if value is None:
                    continue
                i = bisect_right(starts, m.start()) - 1
                base = starts[i]
                found[i].append(Candidate(m.start() - base, m.end() - base, value, pattern.score, reasons))
        return [_best_non_overlapping(f) for f in found]

    def _find(self, text: str) -> list[Candidate]:
        return list(self.find(NormalizedText(text, text, (), ()), None))


_CELL_SEP = "\x1f"
# What a pattern may hold and still never match, nor see through a lookaround, the control
# character cells are joined by: literals, positive classes without control characters,
# \d, groups, lookarounds, quantifiers and backreferences. Anything that matches "any
# character" (., [^...], \s, \W, \D, \p{...}), anchors (^, $, \A, \b), escapes naming a
# code point (but \r, \n and \t outside a set), inline flags and case-blind matching may:
# such a rule is searched cell by cell.
_SAFE_ESCAPED = frozenset("d123456789.-()[]{}|*+?^$\\/ ,:;=!<>#&%@~'\"")
_LINE_ESCAPES = frozenset("rnt")
_SAFE_GROUP = re.compile(r"\(\?(?::|=|!|<=|<!|P<\w+>|P=\w+\)|<\w+>)")
_BLIND_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE


def _separator_blind(pattern: re.Pattern[str] | regex.Pattern[str]) -> bool:
    """Whether no part of ``pattern`` can match or look at a control character (see above)."""
    if pattern.flags & _BLIND_FLAGS:
        return False
    source = pattern.pattern
    in_class = False
    i = 0
    while i < len(source):
        ch = source[i]
        if ord(ch) < 0x20:
            return False
        if ch == "\\":
            escaped = source[i + 1 : i + 2]
            line_end = escaped in _LINE_ESCAPES and not in_class  # \r, \n, \t: never a separator (in a set, a range might be)
            if not escaped or (escaped not in _SAFE_ESCAPED and escaped.isascii() and not line_end):
                return False
            if in_class and escaped.isdigit():
                return False  # an octal escape in a set: [\1-9] holds every control character
            i += 2
            continue
        if in_class:
            if ch == "[":
                return False  # nested sets, POSIX classes: not worth the doubt
            in_class = ch != "]"
        elif ch == "[":
            if source[i + 1 : i + 2] == "^":
                return False
            in_class = True
            if source[i + 1 : i + 2] == "]":
                i += 1  # a leading ] is a literal
        elif ch in ".^$" or (ch == "(" and source[i + 1 : i + 2] == "?" and not _SAFE_GROUP.match(source, i)):
            return False  # any character, an anchor, an inline flag or an unusual group
        i += 1
    return not in_class


def _best_non_overlapping(found: list[Candidate]) -> list[Candidate]:
    """Best-scoring first; kept spans never overlap, so checking the two neighbours suffices."""
    if len(found) < 2:
        return found
    starts: list[int] = []
    kept: list[Candidate] = []
    for cand in sorted(found, key=lambda c: (-c.score, c.start)):
        i = bisect_left(starts, cand.start)
        if i > 0 and kept[i - 1].end > cand.start:
            continue
        if i < len(kept) and kept[i].start < cand.end:
            continue
        starts.insert(i, cand.start)
        kept.insert(i, cand)
    return kept


def build_finder(spec: RuleSpec, rules_dir: Path) -> PatternFinder | Recognizer:
    if spec.kind == "pattern":
        return PatternFinder(spec)
    try:
        return available()[spec.recognizer](spec.raw, rules_dir)
    except Exception as exc:  # a recognizer that cannot start is a rules problem, named as such
        raise RulesError(spec.file, spec.id, f"recognizer {spec.recognizer!r} failed to load: {exc}") from exc


class Detector:
    """A loaded rule: its finder plus its keyword and header context."""

    def __init__(self, spec: RuleSpec, rules_dir: Path) -> None:
        self.spec = spec
        self.id = spec.id
        self.finder = build_finder(spec, rules_dir)
        self.keywords = KeywordContext(spec.keywords)
        self.headers = HeaderContext(spec.headers)
