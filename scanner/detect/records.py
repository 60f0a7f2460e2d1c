"""Person records: which findings belong together, and what that does to their scores.

A table row is a record. In running text, a finding of a rule with ``record_context``
(pension_number) keys a record; any other finding within that rule's ``record_window``
characters (default 150, across lines) joins the nearest such record. A pension number
whose record holds a person_name or birth_date finding (at ``record_min_score`` or more)
gains the rule's boosts; at medium or above it counts as a pension record.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from ..model import Confidence, Finding
from .finders import Detector
from .mask import mask_value

PENSION = "pension_number"
_MEDIUM = Confidence.MEDIUM  # looked up once: enum member lookups are slow, and this runs per record


@dataclass(slots=True)
class Hit:
    """A scored match before record context. In text, ``pos``/``end`` are character
    offsets in the block; in a table, ``pos`` is the row index and ``end`` the column."""

    detector: Detector
    pos: int
    end: int
    value: str  # normalized value, in memory only: hashed and masked in to_finding
    masked: str  # "" until to_finding, unless the recognizer masked it itself
    score: float
    reasons: list[str]
    location: str
    record: str | None = None
    in_table: bool = False


def apply_record_context(hits: list[Hit], pension_keys: set[str]) -> None:
    """Boost record-context rules by what else is in their record; count pension records."""
    by_record: dict[str, list[Hit]] = {}
    for h in hits:
        if h.record is not None:
            by_record.setdefault(h.record, []).append(h)
    for members in by_record.values():
        boosted = [h for h in members if h.detector.spec.record_context]
        if not boosted:
            continue
        # What each boosted hit sees of the others, judged on scores before any boost in the
        # record: the two best per detector (the second stands in when the best is the hit
        # itself). Linear in the record: a wide row may hold thousands of numbers.
        best: dict[str, list[float]] = {}
        for m in members:
            top = best.setdefault(m.detector.id, [])
            top.append(m.score)
            top.sort(reverse=True)
            del top[2:]
        for h in boosted:
            spec = h.detector.spec
            present = [other for other in sorted(spec.record_context)
                       if _best_other(best.get(other), h.score if other == h.detector.id else None)
                       >= spec.record_min_score]
            for other in present:
                h.score += spec.record_context[other]
                h.reasons.append(f"record:{other}")
            if h.detector.id == PENSION and present and Confidence.from_score(h.score) >= _MEDIUM:
                # a row is one record; in text the same number twice is one person
                pension_keys.add(f"{h.record}{ROW_KEY}{h.value}" if h.in_table and h.record else f"value:{h.value}")


ROW_KEY = "\x00"  # between a row's record and its number in a pension key


def count_records(pension_keys: set[str]) -> int:
    """Pension records among the keys: each row holding a number, and each number read only
    in text (a number a row holds, read again in the same file's text, is that row's)."""
    rows = {key.partition(ROW_KEY) for key in pension_keys if ROW_KEY in key}
    in_rows = {value for _row, _sep, value in rows}
    texts = {key for key in pension_keys if ROW_KEY not in key and key.removeprefix("value:") not in in_rows}
    return len({row for row, _sep, _value in rows}) + len(texts)


def _best_other(top: list[float] | None, own: float | None) -> float:
    """The best score among a detector's hits in a record, leaving out the hit itself
    (``own``: its score, when it is one of them)."""
    if not top:
        return float("-inf")
    if own is not None and own == top[0]:
        return top[1] if len(top) > 1 else float("-inf")
    return top[0]


def assign_text_records(hits: list[Hit]) -> None:
    """Each record-context hit keys a record; other hits join the nearest one in reach.

    ``hits`` are sorted by position; anchors are searched by bisect, not pairwise.
    """
    anchors = [h for h in hits if h.detector.spec.record_context]
    for h in anchors:
        h.record = f"{h.location}@{h.pos}"
    reach = max((a.detector.spec.record_window + a.end - a.pos for a in anchors), default=0)
    positions = [a.pos for a in anchors]
    for h in hits:
        if h.record is not None:
            continue
        lo, hi = bisect_left(positions, h.pos - reach), bisect_right(positions, h.pos + reach)
        near = [(abs(a.pos - h.pos), a) for a in anchors[lo:hi]
                if a.pos - a.detector.spec.record_window <= h.pos <= a.end + a.detector.spec.record_window]
        h.record = min(near, key=lambda t: t[0])[1].record if near else h.location


def to_finding(h: Hit, hasher: Callable[[str], str]) -> Finding:
    """The finding as it leaves the engine: keyed hash and masked form, no raw value."""
    score = round(min(1.0, max(0.0, h.score)), 4)
    masked = h.masked or mask_value(h.value, h.detector.spec.keep_first, h.detector.spec.keep_last)
    return Finding(h.detector.id, score, hasher(h.value), masked, h.location, h.record, tuple(h.reasons))
