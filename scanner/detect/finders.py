"""Turn a rule into something that finds candidates in normalized text.

Pattern rules become a ``PatternFinder``; ``kind: recognizer`` rules are built by their
factory. Both answer ``find(text, header) -> Iterable[Candidate]``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from pathlib import Path

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
                          for p in spec.patterns]

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
