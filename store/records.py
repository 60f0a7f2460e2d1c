"""Plain records the agent hands to the store and gets back from it.

The store knows nothing of file formats or of the scanner: the agent converts its
scanner facts into these. No field holds a raw PII value: findings carry only a keyed
hash (``value_hash``) and a masked form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

# Violation states the store itself writes. The lifecycle of issue 7 adds more
# (acknowledged, remediation_claimed, ...); "active" means not closed, whatever the state.
STATUS_OPEN = "open"
STATUS_CLOSED = "closed"

CLOSE_NO_LONGER_VIOLATES = "no longer violates"
CLOSE_FILE_GONE = "file gone"

SWEEP_KINDS = frozenset({"sweep", "watch", "verify"})


@dataclass(slots=True)
class FileFacts:
    """What one scan learned about one file (stat, content outcome, protection, exposure)."""

    host: str
    path: str  # display string (undecodable bytes already escaped), unique per host
    zone: str
    size: int
    mtime_ns: int
    inode: int
    outcome: str  # clean, findings, encrypted, unreadable, too_large, ...
    reason: str = ""
    encrypted: bool = False
    protection: str = ""
    file_type: str = ""
    pension_records: int = 0
    exposure: dict[str, Any] = field(default_factory=dict)  # owner, readers, broad_principals, evidence
    content_hash: str | None = None
    rules_version: str | None = None  # the detector rules that read it (None: unknown, read again next time)


class FindingRow(NamedTuple):
    """One matched value in a file. Rows with the same (detector, value_hash) are merged
    by the store into one stored row with an occurrence count. A tuple, in the order of
    the findings table's columns after ``file_id``: a roster's thousands of rows travel
    from a worker process as plain tuples and are inserted as they are."""

    detector: str
    value_hash: str  # HMAC-SHA256 hex of the normalized value
    masked: str
    confidence: int  # 1 low, 2 medium, 3 high
    score: float
    location: str = ""
    record: str | None = None
    occurrences: int = 1


@dataclass(slots=True)
class NewScan:
    """A fresh scan of a file the register may not know yet, for ``Store.record_new``."""

    facts: FileFacts
    findings: list[FindingRow]
    decisions: list[ViolationDecision]


@dataclass(slots=True)
class ViolationDecision:
    """The policy engine's verdict that a file violates one policy."""

    policy_id: str
    policy_version: str
    severity: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RecordOutcome:
    """What a store call did to violations (for the violation_opened/closed log lines)."""

    file_id: int | None = None
    opened: list[int] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)

    def merge(self, other: RecordOutcome) -> RecordOutcome:
        """Add another outcome's violation ids to this one (file_id stays)."""
        self.opened.extend(other.opened)
        self.kept.extend(other.kept)
        self.closed.extend(other.closed)
        return self
