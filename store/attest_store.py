"""A sweep's coverage record and the canonical bytes its attestation signs.

The store builds and keeps the record; signing and checking (the key) are the agent's
(agent/attest.py). Any change to a signed field after signing breaks the signature.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import File, Sweep

PROBLEM_LIST_CAP = 100
QUIET_OUTCOMES = ("clean", "findings")


def coverage(session: Session, sweep_id: int, cap: int = PROBLEM_LIST_CAP) -> dict[str, Any]:
    """Paths this sweep saw but could not fully read (unreadable, skipped, too large ...):
    counts per outcome, and the first ``cap`` of them with their reasons."""
    problem = (File.last_seen_sweep == sweep_id) & File.outcome.not_in(QUIET_OUTCOMES)
    counts = {outcome: n for outcome, n in session.execute(select(File.outcome, func.count()).where(problem)
                                                             .group_by(File.outcome))}
    listed = session.execute(select(File.path, File.outcome, File.reason).where(problem)
                             .order_by(File.path).limit(cap)).all()
    total = sum(counts.values())
    return {
        "problem_counts": {k: int(v) for k, v in sorted(counts.items())},
        "problems": [{"path": p, "outcome": o, "reason": r} for p, o, r in listed],
        "problems_total": total,
        "problems_truncated": total > len(listed),
    }


def payload(sweep: Sweep) -> dict[str, Any]:
    """Every field the attestation covers."""
    return {
        "sweep_id": sweep.id,
        "host": sweep.host,
        "kind": sweep.kind,
        "started_at": sweep.started_at.isoformat(),
        "finished_at": sweep.finished_at.isoformat() if sweep.finished_at else None,
        "roots": list(sweep.roots),
        "rules_version": sweep.rules_version,
        "policy_versions": dict(sweep.policy_versions),
        "counts_by_outcome": dict(sweep.counts_by_outcome or {}),
        "coverage": sweep.coverage or {},
    }


def canonical(document: dict[str, Any]) -> bytes:
    """One byte string per document, whatever the key order or the database's JSON type."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def record_coverage(session: Session, sweep_id: int) -> Sweep:
    """Store the sweep's coverage; returns the row, ready to sign."""
    sweep = session.get(Sweep, sweep_id)
    if sweep is None:
        raise KeyError(f"no sweep {sweep_id}")
    sweep.coverage = {**(sweep.coverage or {}), **coverage(session, sweep_id)}
    session.flush()
    return sweep
