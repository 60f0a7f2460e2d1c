"""Context scoring: keywords near a match in text, and the column header of a table cell.

Labels sit next to the value they name, so the nearest label wins: a negative label
(TEL, 社員番号) only lowers a match when it is closer than every positive keyword, and a
label after the value counts as farther than one before it.

A keyword that starts with a Latin letter must not continue a Latin word: TEL is the
label in "TEL 03..." and "携帯TEL", not the tail of HOTEL or INTEL. Only the start is
bounded, so TELNo. and FAX1 still count.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter

import regex

from .normalize import spaced_label, without_cjk_spaces
from .rules import ContextSpec

_START = attrgetter("start")  # bisect key: a C getter instead of a lambda per probe
_FOLLOWING_PENALTY = 2  # a label after the value is read as twice as far (plus a little)


@dataclass(frozen=True, slots=True)
class KeywordHit:
    start: int
    end: int
    word: str
    weight: float


class KeywordContext:
    """Finds a rule's keywords in normalized text and scores matches by them."""

    def __init__(self, spec: ContextSpec) -> None:
        self.spec = spec
        words = sorted({*spec.positive, *spec.negative}, key=len, reverse=True)
        self._longest = max((len(w) for w in words), default=0)
        self._weights = {_key(w): spec.positive.get(w, spec.negative.get(w, 0.0)) for w in words}
        self._pattern = keyword_pattern(words) if words else None
        # No keyword holds a control character, so none matches across the one cells are
        # joined by: the hits in joined cells are each cell's hits (see Engine._column_batch).
        self.batches = all(ch >= " " for w in words for ch in w)

    def hits(self, text: str) -> list[KeywordHit]:
        """Keyword occurrences in ``text``, in order of position."""
        if self._pattern is None:
            return []
        hits = []
        for m in self._pattern.finditer(text):
            word = _key(m.group())
            hits.append(KeywordHit(m.start(), m.end(), word, self._weights[word]))
        return hits

    def score(self, hits: list[KeywordHit], start: int, end: int, lo: int = 0,
              hi: int | None = None) -> tuple[float, list[str]]:
        """Score delta and reasons for a match at [start, end) given the text's keyword hits;
        only hits inside [lo, hi) count (a table row)."""
        if not hits:
            return 0.0, []  # most cells and windows: no keyword at all
        best_pos: KeywordHit | None = None
        best_pos_dist = self.spec.proximity + 1
        worst_neg: KeywordHit | None = None
        worst_neg_dist = 0
        reach = max(self.spec.proximity, self.spec.negative_proximity)
        first = bisect_left(hits, max(lo, start - reach - self._longest), key=_START)
        last = bisect_right(hits, end + reach if hi is None else min(hi, end + reach), key=_START)
        if first == last:
            return 0.0, []  # no keyword near enough (a table row without one)
        for hit in hits[first:last]:
            if hi is not None and hit.end > hi:
                continue
            dist = _distance(hit, start, end)
            if hit.weight > 0 and dist <= self.spec.proximity:
                if best_pos is None or hit.weight > best_pos.weight:
                    best_pos = hit
                best_pos_dist = min(best_pos_dist, dist)
            elif hit.weight < 0 and dist <= self.spec.negative_proximity and (
                    worst_neg is None or hit.weight < worst_neg.weight):
                worst_neg, worst_neg_dist = hit, dist
        delta, reasons = 0.0, []
        if best_pos is not None:
            delta += best_pos.weight
            reasons.append(f"keyword:{best_pos.word}")
        if worst_neg is not None and worst_neg_dist < best_pos_dist:
            delta += worst_neg.weight
            reasons.append(f"negative-keyword:{worst_neg.word}")
        return delta, reasons


def keyword_pattern(words: list[str]) -> regex.Pattern[str]:
    """One case-blind alternation of the words, longest first, each bounded as the module says."""
    return regex.compile("|".join(_bounded(w) for w in words), regex.IGNORECASE)


def _bounded(word: str) -> str:
    return ("(?<![A-Za-z])" if word[:1].isascii() and word[:1].isalpha() else "") + spaced_label(word)


def _key(matched: str) -> str:
    """The keyword a match stands for: spaces inside a Japanese label dropped, case folded."""
    return without_cjk_spaces(matched).casefold()


def _distance(hit: KeywordHit, start: int, end: int) -> int:
    if hit.end <= start:
        return start - hit.end
    if hit.start >= end:
        return (hit.start - end) * _FOLLOWING_PENALTY + _FOLLOWING_PENALTY
    return 0


class HeaderContext:
    """Scores a normalized column header by substring: best positive plus worst negative."""

    def __init__(self, spec: ContextSpec) -> None:
        self.spec = spec
        self.score = lru_cache(maxsize=4096)(self._score)
        self._patterns = {w: keyword_pattern([w]) for w in (*spec.positive, *spec.negative)}

    def _score(self, header: str) -> tuple[float, tuple[str, ...]]:
        pos = [(w, k) for k, w in self.spec.positive.items() if self._patterns[k].search(header)]
        neg = [(w, k) for k, w in self.spec.negative.items() if self._patterns[k].search(header)]
        delta, reasons = 0.0, []
        if pos:
            weight, word = max(pos)
            delta += weight
            reasons.append(f"header:{word}")
        if neg:
            weight, word = min(neg)
            delta += weight
            reasons.append(f"negative-header:{word}")
        return delta, tuple(reasons)
