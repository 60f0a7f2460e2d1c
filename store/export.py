"""The findings export: one plain dict per file worth reporting (ARCHITECTURE.md, "Contracts")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select
from sqlalchemy.orm import Session

from .models import File, Finding, Violation

CONFIDENCE_LABELS = {1: "low", 2: "medium", 3: "high"}
# Outcomes that need no report by themselves (a "findings" file is reported for its findings).
QUIET_OUTCOMES = ("clean", "findings")
MASKED_EXAMPLES = 3
_CHUNK = 500
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso_mtime(mtime_ns: int) -> str:
    """ISO 8601 UTC, e.g. 2024-05-01T09:30:00.123456Z (microseconds kept when non-zero)."""
    moment = _EPOCH + timedelta(microseconds=mtime_ns // 1000)
    return moment.isoformat().replace("+00:00", "Z")


def export_files(session: Session, *, min_confidence: int = 2, include_all: bool = False) -> Iterator[dict]:
    """Yield the export records of present files, ordered by host and path."""
    threshold = 1 if include_all else min_confidence
    query = (
        select(File)
        .where(File.present.is_(True), _worth_reporting(threshold, include_all))
        .order_by(File.host, File.path)
        .execution_options(yield_per=_CHUNK)
    )
    for partition in session.scalars(query).partitions():
        yield from _records(session, list(partition), threshold, include_all)


def _worth_reporting(threshold: int, include_all: bool) -> ColumnElement[bool]:
    has_finding = exists().where(Finding.file_id == File.id, Finding.confidence >= threshold)
    violation = Violation.file_id == File.id
    if not include_all:
        violation = and_(violation, Violation.closed_at.is_(None))
    return or_(not_(File.outcome.in_(QUIET_OUTCOMES)), has_finding, exists().where(violation))


def _records(session: Session, files: Sequence[File], threshold: int, include_all: bool) -> Iterator[dict]:
    ids = [f.id for f in files]
    findings = _findings_by_file(session, ids, threshold)
    violations = _violations_by_file(session, ids, include_all)
    for file in files:
        yield _record(file, findings.get(file.id, []), violations.get(file.id, []))


def _findings_by_file(session: Session, ids: list[int], threshold: int) -> dict[int, list[dict]]:
    query = (
        select(Finding)
        .where(Finding.file_id.in_(ids), Finding.confidence >= threshold)
        .order_by(Finding.file_id, Finding.detector, Finding.confidence.desc(), Finding.masked)
    )
    grouped: dict[int, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in session.scalars(query):
        grouped[finding.file_id][finding.detector].append(finding)
    return {
        file_id: [_detector_summary(detector, rows) for detector, rows in sorted(by_detector.items())]
        for file_id, by_detector in grouped.items()
    }


def _detector_summary(detector: str, rows: list[Finding]) -> dict:
    masked: list[str] = []
    for row in rows:  # strongest first
        if row.masked not in masked:
            masked.append(row.masked)
    return {
        "detector": detector,
        "count": len(rows),  # one row per distinct value hash
        "confidence": CONFIDENCE_LABELS[max(r.confidence for r in rows)],
        "masked": masked[:MASKED_EXAMPLES],
    }


def _violations_by_file(session: Session, ids: list[int], include_all: bool) -> dict[int, list[dict]]:
    query = select(Violation).where(Violation.file_id.in_(ids))
    if not include_all:
        query = query.where(Violation.closed_at.is_(None))
    grouped: dict[int, list[dict]] = defaultdict(list)
    for v in session.scalars(query.order_by(Violation.id)):
        grouped[v.file_id].append(
            {
                "id": v.id,
                "policy": v.policy_id,
                "policy_version": v.policy_version,
                "severity": v.severity,
                "status": v.status,
            }
        )
    return grouped


def _record(file: File, findings: list[dict], violations: list[dict]) -> dict[str, Any]:
    exposure = file.exposure or {}
    return {
        "path": file.path,
        "host": file.host,
        "zone": file.zone,
        "outcome": file.outcome,
        "encrypted": bool(file.encrypted),
        "size": file.size,
        "mtime": iso_mtime(file.mtime_ns),
        "findings": findings,
        "violations": violations,
        "access": {
            "world_readable": bool(file.world_readable),
            "broad_principals": list(exposure.get("broad_principals", [])),
            "readers": list(exposure.get("readers", [])),
        },
    }
