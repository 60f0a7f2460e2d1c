"""Opening, keeping and closing violations, with an append-only event for each change."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Violation, ViolationEvent
from .records import (
    CLOSE_NO_LONGER_VIOLATES,
    STATUS_CLOSED,
    STATUS_OPEN,
    RecordOutcome,
    ViolationDecision,
)

ACTOR = "pii-agent"
_CHUNK = 500


def active_violations(session: Session, file_ids: Sequence[int]) -> list[Violation]:
    """Violations not yet closed (whatever their lifecycle state) of these files."""
    found: list[Violation] = []
    for start in range(0, len(file_ids), _CHUNK):
        chunk = file_ids[start : start + _CHUNK]
        query = select(Violation).where(Violation.file_id.in_(chunk), Violation.closed_at.is_(None))
        found.extend(session.scalars(query.order_by(Violation.id)))
    return found


def reconcile(
    session: Session,
    file_id: int,
    sweep_id: int,
    decisions: Iterable[ViolationDecision],
    now: datetime,
    *,
    known_empty: bool = False,
) -> RecordOutcome:
    """Make the file's active violations match the policy decisions of this sweep.
    ``known_empty``: the file was just created, so it has no violations to look up."""
    by_policy = _unique_by_policy(decisions)
    outcome = RecordOutcome(file_id=file_id)
    existing = [] if known_empty else active_violations(session, [file_id])
    active = {v.policy_id: v for v in existing}
    for policy_id, decision in by_policy.items():
        current = active.get(policy_id)
        if current is None:
            outcome.opened.append(_open(session, file_id, sweep_id, decision, now))
        else:
            _keep(current, sweep_id, decision)
            outcome.kept.append(current.id)
    gone = [v for policy_id, v in active.items() if policy_id not in by_policy]
    outcome.closed.extend(close(session, gone, sweep_id, CLOSE_NO_LONGER_VIOLATES, now))
    return outcome


def close(
    session: Session, violations: Iterable[Violation], sweep_id: int | None, reason: str, now: datetime
) -> list[int]:
    """Close these violations and record why; returns their ids."""
    closed: list[int] = []
    for violation in violations:
        previous = violation.status
        violation.status = STATUS_CLOSED
        violation.closed_at = now
        violation.closed_sweep = sweep_id
        violation.close_reason = reason
        _event(session, violation.id, previous, STATUS_CLOSED, reason, sweep_id, now)
        closed.append(violation.id)
    return closed


def _unique_by_policy(decisions: Iterable[ViolationDecision]) -> dict[str, ViolationDecision]:
    by_policy: dict[str, ViolationDecision] = {}
    for decision in decisions:
        if decision.policy_id in by_policy:
            raise ValueError(f"two decisions for policy {decision.policy_id!r} on one file")
        by_policy[decision.policy_id] = decision
    return by_policy


def _open(session: Session, file_id: int, sweep_id: int, decision: ViolationDecision, now: datetime) -> int:
    violation = Violation(
        file_id=file_id,
        policy_id=decision.policy_id,
        policy_version=decision.policy_version,
        last_policy_version=decision.policy_version,
        severity=decision.severity,
        status=STATUS_OPEN,
        evidence=decision.evidence,
        opened_sweep=sweep_id,
        last_seen_sweep=sweep_id,
        opened_at=now,
    )
    session.add(violation)
    session.flush()  # assigns the id the event refers to
    note = f"violates {decision.policy_id} v{decision.policy_version}"
    _event(session, violation.id, None, STATUS_OPEN, note, sweep_id, now)
    return violation.id


def _keep(violation: Violation, sweep_id: int, decision: ViolationDecision) -> None:
    # The opening version stays (issue 5: each violation keeps the version that opened it).
    violation.last_seen_sweep = sweep_id
    violation.last_policy_version = decision.policy_version
    violation.severity = decision.severity
    violation.evidence = decision.evidence


def _event(
    session: Session,
    violation_id: int,
    from_status: str | None,
    to_status: str,
    note: str,
    sweep_id: int | None,
    now: datetime,
) -> None:
    session.add(
        ViolationEvent(
            violation_id=violation_id,
            at=now,
            actor=ACTOR,
            from_status=from_status,
            to_status=to_status,
            note=note,
            sweep_id=sweep_id,
        )
    )
