"""Re-judging stored files without reading them, and the record of each policy change.

The store knows nothing of policies: the caller passes a ``judge`` that turns one
``StoredFile`` into the violations it calls for. Files are read in batches by id
(keyset pagination), so a register of 100k files never sits in memory at once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from .digests import exposure_digest
from .models import File, Finding, PolicyChange, Sweep, Violation, ViolationEvent
from .paths import path_hash, under_folders
from .reconcile import ACTOR, close
from .records import CLOSE_NO_LONGER_VIOLATES, STATUS_OPEN, ViolationDecision

BATCH = 1000
_CHUNK = 500


@dataclass(slots=True)
class StoredFile:
    """The judged facts of one present file, as stored (no content, no raw value)."""

    file_id: int
    host: str
    path: str
    zone: str
    outcome: str
    encrypted: bool
    world_readable: bool
    pension_records: int
    exposure: dict[str, Any]
    findings: list[tuple[str, str, int]] = field(default_factory=list)  # (detector, value_hash, confidence)


Judge = Callable[[StoredFile], list[ViolationDecision]]


@dataclass(slots=True, frozen=True)
class ChangedViolation:
    """A violation a re-judgement opened or closed (or would, in a dry run: id None on open)."""

    violation_id: int | None
    file_id: int
    host: str
    path: str
    policy_id: str
    policy_version: str  # opened: the new version; closed: the version that opened it


@dataclass
class Rejudgement:
    files_judged: int = 0
    kept: int = 0
    opened: list[ChangedViolation] = field(default_factory=list)
    closed: list[ChangedViolation] = field(default_factory=list)

    def by_policy(self, which: Sequence[ChangedViolation]) -> dict[str, int]:
        return dict(Counter(item.policy_id for item in which))


def exposure_digests(session: Session, host: str, under: list[str]) -> dict[str, str]:
    """path -> exposure digest of the present files under these folders."""
    present = (File.host == host) & File.present.is_(True) & under_folders(File.path, under)
    query = select(File.path, File.exposure_digest).where(present).execution_options(yield_per=5000)
    digests: dict[str, str] = {}
    undigested = False
    for path, digest in session.execute(query):
        if digest is None:
            undigested = True
        else:
            digests[path] = digest
    if undigested:  # a row written without one (by hand, or an older writer): from the document
        missing = select(File.path, File.exposure).where(present, File.exposure_digest.is_(None))
        digests.update((path, exposure_digest(exposure or {})) for path, exposure in session.execute(missing))
    return digests


def _host_filter(host: str | None) -> ColumnElement[bool]:
    return File.host == host if host is not None else true()


def load_batch(session: Session, host: str | None, after_id: int, size: int = BATCH,
               paths: Sequence[str] | None = None) -> list[StoredFile]:
    """The next ``size`` present files with id > ``after_id`` (optionally only these paths)."""
    query = select(File).where(File.present.is_(True), File.id > after_id, _host_filter(host))
    if paths is not None:
        query = query.where(File.path_hash.in_([path_hash(p) for p in paths]))
    rows = session.scalars(query.order_by(File.id).limit(size)).all()
    files = [
        StoredFile(file_id=f.id, host=f.host, path=f.path, zone=f.zone, outcome=f.outcome, encrypted=f.encrypted,
                   world_readable=f.world_readable, pension_records=f.pension_records, exposure=dict(f.exposure or {}))
        for f in rows
    ]
    by_id = {f.file_id: f for f in files}
    for start in range(0, len(files), _CHUNK):
        ids = [f.file_id for f in files[start : start + _CHUNK]]
        query_findings = select(Finding.file_id, Finding.detector, Finding.value_hash, Finding.confidence)
        for file_id, detector, value_hash, confidence in session.execute(query_findings.where(Finding.file_id.in_(ids))):
            by_id[file_id].findings.append((detector, value_hash, confidence))
    return files


def iter_batches(session_for: Callable[[], Any], host: str | None, size: int = BATCH) -> Iterator[list[StoredFile]]:
    """Every present file, ``size`` at a time; each batch is read in a fresh session."""
    after = 0
    while True:
        with session_for() as session:
            batch = load_batch(session, host, after, size)
        if not batch:
            return
        yield batch
        after = batch[-1].file_id


def _active(session: Session, file_ids: list[int]) -> dict[int, dict[str, Violation]]:
    out: dict[int, dict[str, Violation]] = defaultdict(dict)
    for start in range(0, len(file_ids), _CHUNK):
        chunk = file_ids[start : start + _CHUNK]
        query = select(Violation).where(Violation.file_id.in_(chunk), Violation.closed_at.is_(None))
        for violation in session.scalars(query):
            out[violation.file_id][violation.policy_id] = violation
    return out


def rejudge_batch(session: Session, files: list[StoredFile], judge: Judge, result: Rejudgement, *,
                  label: str, now: datetime, write: bool) -> None:
    """Open, keep and close the batch's active violations to match ``judge``; with
    ``write=False`` only say what would change. ``label`` names the change in events."""
    active = _active(session, [f.file_id for f in files])
    for stored in files:
        result.files_judged += 1
        wanted = {d.policy_id: d for d in judge(stored)}
        current = active.get(stored.file_id, {})
        for policy_id, decision in wanted.items():
            violation = current.get(policy_id)
            if violation is None:
                vid = _open(session, stored.file_id, decision, label, now) if write else None
                result.opened.append(_changed(vid, stored, policy_id, decision.policy_version))
            else:
                if write:
                    _keep(session, violation, decision, label, now)
                result.kept += 1
        for policy_id, violation in current.items():
            if policy_id in wanted:
                continue
            if write:
                close(session, [violation], None, f"{CLOSE_NO_LONGER_VIOLATES} ({label})", now)
            result.closed.append(_changed(violation.id, stored, policy_id, violation.policy_version))


def _changed(vid: int | None, stored: StoredFile, policy_id: str, version: str) -> ChangedViolation:
    return ChangedViolation(vid, stored.file_id, stored.host, stored.path, policy_id, version)


def _open(session: Session, file_id: int, decision: ViolationDecision, label: str, now: datetime) -> int:
    violation = Violation(
        file_id=file_id, policy_id=decision.policy_id, policy_version=decision.policy_version,
        last_policy_version=decision.policy_version, severity=decision.severity, status=STATUS_OPEN,
        evidence=decision.evidence, opened_at=now,
    )
    session.add(violation)
    session.flush()  # assigns the id the event refers to
    note = f"violates {decision.policy_id} v{decision.policy_version} ({label})"
    _event(session, violation.id, None, STATUS_OPEN, note, now)
    return violation.id


def _keep(session: Session, violation: Violation, decision: ViolationDecision, label: str, now: datetime) -> None:
    # The opening version stays (issue 5); the judging version is recorded beside it.
    if violation.last_policy_version != decision.policy_version:
        note = f"still violates {decision.policy_id} v{decision.policy_version} ({label})"
        _event(session, violation.id, violation.status, violation.status, note, now)
    violation.last_policy_version = decision.policy_version
    violation.severity = decision.severity
    violation.evidence = decision.evidence


def _event(session: Session, violation_id: int, from_status: str | None, to_status: str, note: str,
           now: datetime) -> None:
    session.add(ViolationEvent(violation_id=violation_id, at=now, actor=ACTOR, from_status=from_status,
                               to_status=to_status, note=note, sweep_id=None))


def record_change(session: Session, *, actor: str, host: str | None, old_versions: dict[str, str],
                  new_versions: dict[str, str], result: Rejudgement, now: datetime) -> int:
    change = PolicyChange(
        at=now, actor=actor, host=host, old_versions=dict(old_versions), new_versions=dict(new_versions),
        files_judged=result.files_judged, opened_by_policy=result.by_policy(result.opened),
        closed_by_policy=result.by_policy(result.closed),
        opened_ids=[c.violation_id for c in result.opened if c.violation_id is not None],
        closed_ids=[c.violation_id for c in result.closed if c.violation_id is not None],
    )
    session.add(change)
    session.flush()
    return change.id


def last_policy_versions(session: Session, host: str | None) -> dict[str, str] | None:
    """The policy versions that last judged this host's files (a sweep's or a reapply's,
    whichever is newer); None when nothing has judged them yet."""
    sweeps = select(Sweep.started_at, Sweep.policy_versions).order_by(Sweep.id.desc()).limit(1)
    changes = select(PolicyChange.at, PolicyChange.new_versions).order_by(PolicyChange.id.desc()).limit(1)
    if host is not None:
        sweeps = sweeps.where(Sweep.host == host)
        changes = changes.where(or_(PolicyChange.host.is_(None), PolicyChange.host == host))
    candidates = [row for row in (session.execute(sweeps).first(), session.execute(changes).first()) if row]
    if not candidates:
        return None
    _, found = max(candidates, key=lambda row: row[0])
    return dict(found)


def list_changes(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    """The newest recorded policy changes, newest first."""
    query = select(PolicyChange).order_by(PolicyChange.id.desc()).limit(limit)
    return [
        {"id": c.id, "at": c.at.isoformat(), "actor": c.actor, "host": c.host, "old_versions": c.old_versions,
         "new_versions": c.new_versions, "files_judged": c.files_judged, "opened": c.opened_by_policy,
         "closed": c.closed_by_policy}
        for c in session.scalars(query)
    ]
