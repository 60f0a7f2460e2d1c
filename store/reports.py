"""Report queries over the register: plain numbers, no PII (counts, paths, masked never needed).

Each function takes a Session, a ViolationFilter and "now"; "open" means a lifecycle state
somebody still has to act on (lifecycle.OPEN_STATES), whatever closed_at says.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .copies import MIN_CONFIDENCE, PENSION_DETECTOR
from .lifecycle import ACCEPTED_RISK, OPEN_STATES, effective_state
from .models import File, Finding, Suppression, Sweep, Violation, ViolationEvent
from .register_views import ViolationFilter

AGE_BUCKETS = ((7, "0-7d"), (30, "8-30d"), (90, "31-90d"), (None, ">90d"))
TOP_FOLDERS = 10
# Records stay exposed while a violation is open or its risk merely accepted.
EXPOSING_STATES = (*OPEN_STATES, ACCEPTED_RISK)
_DIMENSIONS = {"severity": Violation.severity, "policy": Violation.policy_id, "zone": File.zone, "host": File.host}


def _open_conditions(filt: ViolationFilter, now: datetime) -> list[Any]:
    return [Violation.status.in_(OPEN_STATES), *filt.conditions(now)]


def open_by(session: Session, dimension: str, filt: ViolationFilter, now: datetime) -> dict[str, int]:
    """Open violations counted by severity, policy, zone or host."""
    column = _DIMENSIONS[dimension]
    query = (select(column, func.count()).select_from(Violation).join(File, File.id == Violation.file_id)
             .where(*_open_conditions(filt, now)).group_by(column))
    return {str(key): int(n) for key, n in sorted(session.execute(query), key=lambda kv: (-kv[1], kv[0]))}


def by_state(session: Session, filt: ViolationFilter, now: datetime) -> dict[str, int]:
    """Every violation counted by its effective lifecycle state."""
    query = (select(Violation.status, Violation.close_reason, func.count()).select_from(Violation)
             .join(File, File.id == Violation.file_id).where(*filt.conditions(now))
             .group_by(Violation.status, Violation.close_reason))
    counts: Counter[str] = Counter()
    for status, reason, n in session.execute(query):
        counts[effective_state(status, reason)] += int(n)
    return dict(sorted(counts.items()))


def top_folders(session: Session, filt: ViolationFilter, now: datetime, limit: int = TOP_FOLDERS) -> list[dict]:
    """The folders holding the most open violations (host and folder path in full)."""
    query = (select(File.host, File.path).select_from(Violation).join(File, File.id == Violation.file_id)
             .where(*_open_conditions(filt, now)))
    counts: Counter[tuple[str, str]] = Counter()
    for host, path in session.execute(query):
        counts[(host, _folder(path))] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [{"host": host, "folder": folder, "open": n} for (host, folder), n in ranked]


def _folder(path: str) -> str:
    sep = "\\" if "\\" in path and "/" not in path else "/"
    return path.rsplit(sep, 1)[0] if sep in path else posixpath.dirname(path)


def ageing(session: Session, filt: ViolationFilter, now: datetime) -> dict[str, Any]:
    """How long open violations have been open, and how many are past their due date."""
    query = (select(Violation.opened_at, Violation.due_at).select_from(Violation)
             .join(File, File.id == Violation.file_id).where(*_open_conditions(filt, now)))
    buckets: Counter[str] = Counter({label: 0 for _, label in AGE_BUCKETS})
    past_due = oldest = 0
    for opened_at, due_at in session.execute(query):
        days = (now - opened_at).days
        oldest = max(oldest, days)
        buckets[next(label for limit, label in AGE_BUCKETS if limit is None or days <= limit)] += 1
        past_due += due_at is not None and due_at < now
    return {"buckets": dict(buckets), "past_due": past_due, "oldest_days": oldest}


def timeline(session: Session, filt: ViolationFilter, now: datetime, days: int = 30) -> dict[str, Any]:
    """Per day of the last ``days``: open violations at the day's end (the trend) and the
    lifecycle events of that day by target state (remediation progress)."""
    first = (now - timedelta(days=days - 1)).date()
    query = (select(ViolationEvent.violation_id, ViolationEvent.at, ViolationEvent.to_status)
             .join(Violation, Violation.id == ViolationEvent.violation_id)
             .join(File, File.id == Violation.file_id).where(*filt.conditions(now))
             .order_by(ViolationEvent.violation_id, ViolationEvent.id))
    delta: Counter[date] = Counter()  # change in the open count on each day
    progress: dict[str, Counter[str]] = {}
    was_open: dict[int, bool] = {}
    for vid, at, to_status in session.execute(query):
        day = max(at.date(), first - timedelta(days=1))  # fold history before the window into its eve
        is_open = to_status in OPEN_STATES
        if is_open != was_open.get(vid, False):
            delta[day] += 1 if is_open else -1
            was_open[vid] = is_open
        if at.date() >= first:
            progress.setdefault(at.date().isoformat(), Counter())[to_status] += 1
    trend, running = [], delta[first - timedelta(days=1)]
    for offset in range(days):
        day = first + timedelta(days=offset)
        running += delta[day]
        trend.append({"day": day.isoformat(), "open": running})
    return {"trend": trend, "progress": {d: dict(c) for d, c in sorted(progress.items())}}


def records_exposed(session: Session, filt: ViolationFilter, now: datetime) -> dict[str, int]:
    """Distinct pension records (value hashes) in files that are present and still exposing,
    against the number of such files: a copy adds files, not records."""
    exposing = (select(Violation.file_id).join(File, File.id == Violation.file_id)
                .where(File.present.is_(True), Violation.status.in_(EXPOSING_STATES), *filt.conditions(now)))
    hashes = (select(Finding.value_hash)
              .where(Finding.detector == PENSION_DETECTOR, Finding.confidence >= MIN_CONFIDENCE,
                     Finding.file_id.in_(exposing),
                     Finding.value_hash.not_in(select(Suppression.value_hash))))
    records = session.scalar(select(func.count(func.distinct(hashes.subquery().c.value_hash))))
    files = session.scalar(select(func.count(func.distinct(exposing.subquery().c.file_id))))
    return {"distinct_records": int(records or 0), "files": int(files or 0)}


def recent_sweeps(session: Session, host: str | None = None, limit: int = 10) -> list[dict[str, Any]]:
    """Coverage of the last sweeps, newest first."""
    query = select(Sweep).order_by(Sweep.started_at.desc(), Sweep.id.desc()).limit(limit)
    if host is not None:
        query = query.where(Sweep.host == host)
    out = []
    for s in session.scalars(query):
        coverage = s.coverage or {}
        out.append({
            "id": s.id, "host": s.host, "kind": s.kind, "started_at": s.started_at.isoformat(),
            "finished_at": s.finished_at.isoformat() if s.finished_at else None, "roots": list(s.roots),
            "files": sum((s.counts_by_outcome or {}).values()), "counts_by_outcome": dict(s.counts_by_outcome or {}),
            "problems": int(coverage.get("problems_total", 0)), "signed": s.signature is not None,
            "ended": _ended(s.finished_at is not None, coverage),
        })
    return out


def _ended(finished: bool, coverage: dict[str, Any]) -> str:
    """complete, interrupted (and why: a partial sweep proves nothing gone), or unfinished
    (still running, or its process died before it could say)."""
    if not finished:
        return "unfinished"
    return f"interrupted: {coverage['interrupted']}" if coverage.get("interrupted") else "complete"
