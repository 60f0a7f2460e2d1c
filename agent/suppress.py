"""False positives by value hash (issue 7): drop suppressed values before policies judge a file.

The list lives in the store (``suppressions``, written by `violations false-positive
--scope value`); a Sweep loads it once and filters every scan result through it, so a
suppressed value opens no violation anywhere and is stored as no finding.
"""

from __future__ import annotations

from dataclasses import replace

from store.records import FindingRow

from .pipeline import ScanOutput

PENSION_DETECTOR = "pension_number"


def drop_suppressed(out: ScanOutput, suppressed: set[str]) -> ScanOutput:
    """The scan output without findings of suppressed hashes (the same object when none)."""
    if not suppressed or not any(row.value_hash in suppressed for row in out.rows):
        return out
    kept = [row for row in out.rows if row.value_hash not in suppressed]
    result = replace(out.result, pension_records=_records(kept, out.result.pension_records))
    return replace(out, result=result, rows=kept)


def _records(kept: list[FindingRow], before: int) -> int:
    """Person records still holding a pension number (never more than the scanner counted)."""
    keys = {f.record or f.value_hash for f in kept if f.detector == PENSION_DETECTOR}
    return min(before, len(keys))
