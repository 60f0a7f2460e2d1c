"""Reading the register: violations with their files, filtered, as plain dicts (masked only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from . import copies
from .lifecycle import RESOLVED_UNVERIFIED, effective_state
from .models import File, Finding, Violation, ViolationEvent
from .paths import under_folders
from .records import CLOSE_FILE_GONE, STATUS_CLOSED

MASKED_EXAMPLES = 3


@dataclass(frozen=True)
class ViolationFilter:
    """Which violations to show. None means any; ``states`` uses effective states."""

    host: str | None = None
    zone: str | None = None
    policy: str | None = None
    severity: str | None = None
    states: tuple[str, ...] | None = None
    path_prefix: str | None = None
    min_age_days: int | None = None

    def conditions(self, now: datetime) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        for column, wanted in ((File.host, self.host), (File.zone, self.zone), (Violation.policy_id, self.policy),
                               (Violation.severity, self.severity)):
            if wanted is not None:
                conds.append(column == wanted)
        if self.path_prefix:
            conds.append(under_folders(File.path, [self.path_prefix]))
        if self.min_age_days is not None:
            conds.append(Violation.opened_at <= now - timedelta(days=self.min_age_days))
        if self.states is not None:
            conds.append(state_condition(self.states))
        return conds


def state_condition(states: tuple[str, ...]) -> ColumnElement[bool]:
    """SQL for "effective state in states" (an unsettled closed "file gone" is resolved_unverified)."""
    plain = [s for s in states if s not in (STATUS_CLOSED, RESOLVED_UNVERIFIED)]
    options: list[ColumnElement[bool]] = [Violation.status.in_(plain)] if plain else []
    gone = and_(Violation.status == STATUS_CLOSED, Violation.close_reason == CLOSE_FILE_GONE)
    if RESOLVED_UNVERIFIED in states:
        options += [Violation.status == RESOLVED_UNVERIFIED, gone]
    if STATUS_CLOSED in states:
        options.append(and_(Violation.status == STATUS_CLOSED,
                            or_(Violation.close_reason.is_(None), Violation.close_reason != CLOSE_FILE_GONE)))
    return or_(*options) if options else Violation.id.is_(None)


def filtered(filt: ViolationFilter, now: datetime) -> Select[Violation, File]:
    return (select(Violation, File).join(File, File.id == Violation.file_id)
            .where(*filt.conditions(now)))


def summary(violation: Violation, file: File, now: datetime) -> dict[str, Any]:
    """One violation as a flat record (the `violations list` row and the JSON shape)."""
    return {
        "id": violation.id,
        "state": effective_state(violation.status, violation.close_reason),
        "policy": violation.policy_id,
        "policy_version": violation.policy_version,
        "severity": violation.severity,
        "host": file.host,
        "zone": file.zone,
        "path": file.path,
        "file_id": file.id,
        "present": file.present,
        "opened_at": violation.opened_at.isoformat(),
        "age_days": (now - violation.opened_at).days,
        "assignee": violation.assignee,
        "due": violation.due_at.date().isoformat() if violation.due_at else None,
        "claim_method": violation.claim_method,
        "closed_at": violation.closed_at.isoformat() if violation.closed_at else None,
        "close_reason": violation.close_reason,
    }


def list_violations(session: Session, filt: ViolationFilter, now: datetime, limit: int | None = None) -> list[dict]:
    query = filtered(filt, now).order_by(Violation.id)
    if limit:
        query = query.limit(limit)
    return [summary(v, f, now) for v, f in session.execute(query)]


def show_violation(session: Session, violation_id: int, now: datetime) -> dict[str, Any] | None:
    """A violation with its events, masked findings and linked copies."""
    row = session.execute(filtered(ViolationFilter(), now).where(Violation.id == violation_id)).first()
    if row is None:
        return None
    violation, file = row
    record = summary(violation, file, now)
    record["evidence"] = violation.evidence
    record["events"] = [
        {"at": e.at.isoformat(), "actor": e.actor, "from": e.from_status, "to": e.to_status, "note": e.note,
         "sweep_id": e.sweep_id, "details": e.details}
        for e in session.scalars(select(ViolationEvent).where(ViolationEvent.violation_id == violation_id)
                                 .order_by(ViolationEvent.id))
    ]
    record["findings"] = _masked_findings(session, file.id)
    record["copies"] = [
        {"host": c.host, "path": c.path, "present": c.present, "shared_records": c.shared, "jaccard": c.jaccard}
        for c in copies.linked_copies(session, file.id)
    ]
    return record


def _masked_findings(session: Session, file_id: int) -> list[dict[str, Any]]:
    by_detector: dict[str, dict[str, Any]] = {}
    query = (select(Finding.detector, Finding.masked, Finding.confidence)
             .where(Finding.file_id == file_id).order_by(Finding.detector, Finding.id))
    for detector, masked, confidence in session.execute(query):
        entry = by_detector.setdefault(detector, {"detector": detector, "count": 0, "masked": []})
        entry["count"] += 1
        if len(entry["masked"]) < MASKED_EXAMPLES:
            entry["masked"].append(masked)
        entry["confidence"] = max(entry.get("confidence", 0), confidence)
    return list(by_detector.values())
