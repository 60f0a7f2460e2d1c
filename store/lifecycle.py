"""The lifecycle of a violation (issue 7): who acts on it, and what the scans prove.

``violations.status`` holds the lifecycle state; every change appends a ViolationEvent
(who, when, from, to, note, details), so the state is always the last event's
``to_status``. ``closed_at`` keeps the store's own meaning: the file no longer matches
the policy (reconcile.py closed it). The two are separate on purpose: a claim of
deletion is closed by the sweep (file gone) yet stays to be verified, and a claim
whose records survive in a copy is ``reopened`` while its own file is long gone.

States::

    open -> acknowledged -> remediation_claimed -> verified | reopened
    accepted_risk, false_positive      (decisions; the match stays active)
    closed                             (the sweep saw it stop violating)
    resolved_unverified                (file gone, but the scope around it was not
                                        swept yet, or a copy of its records remains)

Sweeps do not clobber these states: reconcile keeps a still-violating match as is
(its status untouched) and only closes what stopped matching; ``settle`` then turns
what the sweep proved into verified / reopened / resolved_unverified.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from . import copies
from .models import File, Finding, Suppression, Sweep, Violation, ViolationEvent
from .paths import is_under, under_folders
from .records import CLOSE_FILE_GONE, STATUS_CLOSED, STATUS_OPEN

ACKNOWLEDGED = "acknowledged"
CLAIMED = "remediation_claimed"
VERIFIED = "verified"
REOPENED = "reopened"
ACCEPTED_RISK = "accepted_risk"
FALSE_POSITIVE = "false_positive"
RESOLVED_UNVERIFIED = "resolved_unverified"

ALL_STATES = (STATUS_OPEN, ACKNOWLEDGED, CLAIMED, REOPENED, ACCEPTED_RISK, FALSE_POSITIVE,
              VERIFIED, RESOLVED_UNVERIFIED, STATUS_CLOSED)
# States somebody still has to act on: what reports call "open".
OPEN_STATES = (STATUS_OPEN, ACKNOWLEDGED, CLAIMED, REOPENED)
CLAIM_METHODS = ("deleted", "moved", "encrypted", "access_restricted")
FP_SCOPES = ("file", "value")
SYSTEM_ACTOR = "pii-agent"

# Target state -> states a person may move a violation from.
_USER_MOVES: dict[str, frozenset[str]] = {
    ACKNOWLEDGED: frozenset({STATUS_OPEN, ACKNOWLEDGED, REOPENED, ACCEPTED_RISK}),
    CLAIMED: frozenset({STATUS_OPEN, ACKNOWLEDGED, REOPENED}),
    ACCEPTED_RISK: frozenset({STATUS_OPEN, ACKNOWLEDGED, REOPENED, CLAIMED}),
    FALSE_POSITIVE: frozenset({STATUS_OPEN, ACKNOWLEDGED, REOPENED, CLAIMED, ACCEPTED_RISK}),
}


class LifecycleError(ValueError):
    """A move the lifecycle does not allow (unknown violation, wrong state, bad argument)."""


def effective_state(status: str, close_reason: str | None) -> str:
    """The state to show: a sweep-closed "file gone" not yet settled is resolved_unverified."""
    if status == STATUS_CLOSED and close_reason == CLOSE_FILE_GONE:
        return RESOLVED_UNVERIFIED
    return status


def record_event(session: Session, violation: Violation, to_status: str, actor: str, note: str,
                 now: datetime, *, sweep_id: int | None = None, details: dict[str, Any] | None = None) -> None:
    """Move the violation to ``to_status`` and append the event saying who, why and when."""
    session.add(ViolationEvent(violation_id=violation.id, at=now, actor=actor, from_status=violation.status,
                               to_status=to_status, note=note, sweep_id=sweep_id, details=details))
    violation.status = to_status


# --- what people do ------------------------------------------------------------


def _for_user_move(session: Session, violation_id: int, target: str) -> Violation:
    violation = session.get(Violation, violation_id)
    if violation is None:
        raise LifecycleError(f"no violation {violation_id}")
    if violation.status not in _USER_MOVES[target]:
        raise LifecycleError(f"violation {violation_id} is {violation.status}: cannot move it to {target}")
    return violation


def acknowledge(session: Session, violation_id: int, actor: str, now: datetime, *,
                assignee: str | None = None, due_at: datetime | None = None, note: str = "") -> None:
    violation = _for_user_move(session, violation_id, ACKNOWLEDGED)
    violation.assignee = assignee or violation.assignee or actor
    violation.due_at = due_at or violation.due_at
    details = {"assignee": violation.assignee, "due": violation.due_at.date().isoformat() if violation.due_at else None}
    record_event(session, violation, ACKNOWLEDGED, actor, note, now, details=details)


def claim(session: Session, violation_id: int, actor: str, now: datetime, *, method: str, note: str = "") -> None:
    if method not in CLAIM_METHODS:
        raise LifecycleError(f"claim method must be one of {', '.join(CLAIM_METHODS)}, got {method!r}")
    violation = _for_user_move(session, violation_id, CLAIMED)
    violation.claim_method, violation.claimed_by, violation.claimed_at = method, actor, now
    record_event(session, violation, CLAIMED, actor, note, now, details={"method": method})


def accept_risk(session: Session, violation_id: int, actor: str, now: datetime, *, reason: str) -> None:
    if not reason.strip():
        raise LifecycleError("accepting a risk needs a reason")
    violation = _for_user_move(session, violation_id, ACCEPTED_RISK)
    record_event(session, violation, ACCEPTED_RISK, actor, reason, now)


def mark_false_positive(session: Session, violation_id: int, actor: str, now: datetime, *, reason: str,
                        scope: str = "file", value: str | None = None) -> list[int]:
    """A false positive for this file, or (scope "value") for the file's matching value
    hashes everywhere: those hashes go to the suppression list the agent consults before
    judging a file, and other live violations that rest only on suppressed values follow.
    ``value`` picks hashes by masked form or hash prefix (default: every value in the file).
    Returns the ids of all violations marked."""
    if scope not in FP_SCOPES:
        raise LifecycleError(f"scope must be one of {', '.join(FP_SCOPES)}, got {scope!r}")
    if not reason.strip():
        raise LifecycleError("a false positive needs a reason")
    violation = _for_user_move(session, violation_id, FALSE_POSITIVE)
    details: dict[str, Any] = {"scope": scope}
    hashes: list[tuple[str, str]] = []
    if scope == "value":
        hashes = _pick_hashes(session, violation.file_id, value)
        details["value_hashes"] = len(hashes)
        for detector, value_hash in hashes:
            session.add(Suppression(value_hash=value_hash, detector=detector, violation_id=violation.id,
                                    reason=reason, actor=actor, at=now))
        session.flush()
    record_event(session, violation, FALSE_POSITIVE, actor, reason, now, details=details)
    marked = [violation.id]
    if hashes:
        marked += _follow_suppression(session, {h for _, h in hashes}, actor, now, exclude=violation.id)
    return marked


def _pick_hashes(session: Session, file_id: int, value: str | None) -> list[tuple[str, str]]:
    rows = session.execute(select(Finding.detector, Finding.value_hash, Finding.masked)
                           .where(Finding.file_id == file_id, Finding.confidence >= 2)).all()
    picked = [(d, h) for d, h, masked in rows if value is None or masked == value or h.startswith(value.lower())]
    if not picked:
        raise LifecycleError(f"no value {value!r} in the file of this violation" if value
                             else "the file of this violation holds no value to suppress")
    return picked


def suppressed_hashes(session: Session) -> set[str]:
    return set(session.scalars(select(Suppression.value_hash).distinct()))


def _follow_suppression(session: Session, fresh: set[str], actor: str, now: datetime, *, exclude: int) -> list[int]:
    """Live violations whose files hold a fresh hash and nothing unsuppressed: false positives too."""
    suppressed = suppressed_hashes(session) | fresh
    holders = select(Finding.file_id).where(Finding.value_hash.in_(sorted(fresh)))
    query = select(Violation).where(Violation.file_id.in_(holders), Violation.id != exclude,
                                    Violation.closed_at.is_(None), Violation.status.in_(_USER_MOVES[FALSE_POSITIVE]))
    marked: list[int] = []
    for other in session.scalars(query):
        values = session.scalars(select(Finding.value_hash)
                                 .where(Finding.file_id == other.file_id, Finding.confidence >= 2))
        if set(values) <= suppressed:
            record_event(session, other, FALSE_POSITIVE, actor, "suppressed value hash", now,
                         details={"scope": "value", "follows": exclude})
            marked.append(other.id)
    return marked


# --- what the sweeps prove -------------------------------------------------------


@dataclass
class SettleOutcome:
    verified: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    unverified: list[int] = field(default_factory=list)


def settle(session: Session, sweep_id: int, now: datetime) -> SettleOutcome:
    """After a sweep (or verify) over its roots: move claims and file-gone closures in its
    scope to verified, reopened or resolved_unverified by what the register now shows."""
    sweep = session.get(Sweep, sweep_id)
    if sweep is None:
        raise KeyError(f"no sweep {sweep_id}")
    outcome = SettleOutcome()
    pending = or_(Violation.status.in_((CLAIMED, REOPENED, RESOLVED_UNVERIFIED)),
                  and_(Violation.status == STATUS_CLOSED,
                       or_(Violation.close_reason == CLOSE_FILE_GONE, Violation.closed_sweep == sweep_id)))
    query = (select(Violation, File).join(File, File.id == Violation.file_id)
             .where(File.host == sweep.host, under_folders(File.path, sweep.roots), pending)
             .order_by(Violation.id))
    rows = [(v, f) for v, f in session.execute(query)]
    prior = _state_before_close(session, [v.id for v, _ in rows if v.status == STATUS_CLOSED])
    for violation, file in rows:
        claimed = violation.status in (CLAIMED, REOPENED) or prior.get(violation.id) in (CLAIMED, REOPENED)
        if violation.status == STATUS_CLOSED and not claimed and violation.close_reason != CLOSE_FILE_GONE:
            continue  # stopped violating with no claim: "closed" says it all
        _settle_one(session, violation, file, sweep, claimed, now, outcome)
    return outcome


def _settle_one(session: Session, violation: Violation, file: File, sweep: Sweep, claimed: bool,
                now: datetime, outcome: SettleOutcome) -> None:
    if violation.closed_at is None and file.present:
        if violation.status == CLAIMED and file.last_seen_sweep == sweep.id:
            record_event(session, violation, REOPENED, SYSTEM_ACTOR, "still violates after the claimed fix",
                         now, sweep_id=sweep.id)
            outcome.reopened.append(violation.id)
        return
    if not file.present and not is_under(posixpath.dirname(file.path) or file.path, sweep.roots):
        _mark_unverified(session, violation, sweep.id, "the folder around the file was not swept", [], now, outcome)
        return
    remaining = copies.violating_copies(session, file.id)
    if remaining:
        paths = [f"{c.host}:{c.path}" for c in remaining[:20]]
        if claimed and violation.status != REOPENED:
            record_event(session, violation, REOPENED, SYSTEM_ACTOR, f"a copy of its records still violates: {paths[0]}",
                         now, sweep_id=sweep.id, details={"copies": paths})
            outcome.reopened.append(violation.id)
        elif not claimed:
            _mark_unverified(session, violation, sweep.id, "a copy of its records still violates", paths, now, outcome)
        return
    record_event(session, violation, VERIFIED, SYSTEM_ACTOR, _evidence(file), now, sweep_id=sweep.id)
    if violation.closed_at is None:  # a reopened claim whose file was already gone
        violation.closed_at, violation.closed_sweep = now, sweep.id
    violation.close_reason = f"verified: {_evidence(file)}"
    outcome.verified.append(violation.id)


def _mark_unverified(session: Session, violation: Violation, sweep_id: int, note: str, paths: list[str],
                     now: datetime, outcome: SettleOutcome) -> None:
    if violation.status in (RESOLVED_UNVERIFIED, REOPENED, CLAIMED):
        return  # already waiting; no repeated event each sweep
    record_event(session, violation, RESOLVED_UNVERIFIED, SYSTEM_ACTOR, note, now, sweep_id=sweep_id,
                 details={"copies": paths} if paths else None)
    outcome.unverified.append(violation.id)


def _evidence(file: File) -> str:
    if not file.present:
        return "file gone and no copy of its records remains"
    if file.encrypted:
        return "file is now encrypted"
    if not file.world_readable:
        return "exposure no longer broad"
    return "no longer violates"


def _state_before_close(session: Session, violation_ids: Iterable[int]) -> dict[int, str | None]:
    """violation id -> the state its latest event moved it from (the state before closing)."""
    ids = list(violation_ids)
    out: dict[int, str | None] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = (select(ViolationEvent.violation_id, ViolationEvent.from_status)
                 .where(ViolationEvent.violation_id.in_(chunk)).order_by(ViolationEvent.id))
        for vid, from_status in session.execute(query):
            out[vid] = from_status  # later events overwrite earlier ones
    return out
