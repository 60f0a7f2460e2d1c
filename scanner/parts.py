"""A file's outcome accounts for the parts of it that were not read.

A zip whose one encrypted member holds the roster, a PDF with a scanned page, a workbook
with a sheet that would not parse: the rest of the file may be clean, but the file is not
known to be clean. Without findings it takes the outcome of its most serious unread part
(the same outcome the part would have had as a file of its own), so it is listed among the
sweep's problems instead of passing as ``clean``. With findings it stays ``findings``. In
both cases the reason names what was not read.
"""

from __future__ import annotations

from .model import Outcome, PartNote, ScanResult

# Most serious first: a part nobody could read before one that is merely of an unread
# kind, before one that is protected by a password (the state policy asks for).
_SEVERITY = [Outcome.ERROR, Outcome.UNREADABLE, Outcome.TIMEOUT, Outcome.LIMIT_EXCEEDED, Outcome.TOO_LARGE,
             Outcome.VANISHED, Outcome.UNSUPPORTED, Outcome.ENCRYPTED]
REASON_PARTS = 3  # parts named in the reason; the rest are counted


def settle_parts(result: ScanResult) -> ScanResult:
    """``result`` with its outcome, reason and protection made to account for its parts."""
    if not result.parts or result.outcome not in (Outcome.CLEAN, Outcome.FINDINGS):
        return result
    unread = [p for p in result.parts if not p.read_anyway]
    if result.outcome == Outcome.CLEAN and unread:
        worst = min(unread, key=_rank)
        result.outcome = worst.outcome
        if worst.outcome == Outcome.ENCRYPTED:
            result.encrypted, result.protection = True, worst.reason
    if not result.reason:
        result.reason = describe(unread or result.parts)
    return result


def describe(parts: list[PartNote]) -> str:
    """``not read: a.docx (encrypted: zip-aes); page 3 (unsupported: ...) and 2 more``."""
    named = "; ".join(_one(p) for p in sorted(parts, key=_rank)[:REASON_PARTS])
    more = len(parts) - REASON_PARTS
    lead = "not read" if any(not p.read_anyway for p in parts) else "read with problems"
    return f"{lead}: {named}" + (f" and {more} more" if more > 0 else "")


def _one(part: PartNote) -> str:
    where = part.where or "the file"
    return f"{where} ({part.reason})" if part.read_anyway else f"{where} ({part.outcome}: {part.reason})"


def _rank(part: PartNote) -> int:
    return _SEVERITY.index(part.outcome) if part.outcome in _SEVERITY else len(_SEVERITY)
