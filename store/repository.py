"""The store's public face: the calls the agent makes to keep the register."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, bindparam, func, select, update
from sqlalchemy.orm import Session

from . import attest_store, copies, export, lifecycle, policy_changes, reconcile, register_views
from .digests import exposure_digest
from .engine import create_store_engine, default_db_url, writer
from .facts import (
    find_file,
    insert_findings,
    insert_new_files,
    new_finding_values,
    replace_findings,
    upsert_file,
    world_readable,
)
from .migrate import upgrade_to_head
from .models import Base, File, Sweep, Violation
from .paths import path_hash, under_folders
from .records import (
    CLOSE_FILE_GONE,
    SWEEP_KINDS,
    FileFacts,
    FindingRow,
    NewScan,
    RecordOutcome,
    ViolationDecision,
)

# Bound parameters per IN list: well under SQLite's and PostgreSQL's limits.
_CHUNK = 500

FileEntry = tuple[int, int, int, str, str | None, str | None]  # size, mtime_ns, inode, outcome, rules version, reason
FileIndex = dict[str, FileEntry]

_files = Base.metadata.tables["files"]
_TOUCH_IN = (
    update(_files)
    .where(_files.c.host == bindparam("b_host"), _files.c.path_hash.in_(bindparam("b_hashes", expanding=True)))
    .values(last_seen_sweep=bindparam("b_sweep"))
)
_TOUCH_ONE = (
    update(_files)
    .where(_files.c.host == bindparam("b_host"), _files.c.path_hash == bindparam("b_hash"))
    .values(last_seen_sweep=bindparam("b_sweep"))
)


def _now() -> datetime:
    return datetime.now(UTC)


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class Store:
    """The register of files, findings, violations and sweeps in one database.

    Every call is its own transaction, unless made inside ``with store.batch():``, which
    groups calls into one transaction (much faster on SQLite; each call is still atomic
    through a savepoint, so one that raises leaves the batch usable).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = writer(engine)
        self._batch: Session | None = None

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Open (creating if needed, file mode 0600 for SQLite) and migrate to the newest schema."""
        engine = create_store_engine(url or default_db_url())
        try:
            upgrade_to_head(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    @property
    def engine(self) -> Engine:
        """For report queries; the agent itself uses the methods below."""
        return self._engine

    def close(self) -> None:
        if self._batch is not None:
            raise RuntimeError("close() inside store.batch()")
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transactions -------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group the calls made inside into one transaction, committed at the end.
        On SQLite this holds the write lock: keep batches to a few seconds."""
        if self._batch is not None:
            raise RuntimeError("store.batch() does not nest")
        with Session(self._writer, expire_on_commit=False) as session, session.begin():
            self._batch = session
            try:
                yield
            finally:
                self._batch = None

    @contextmanager
    def _write(self) -> Iterator[Session]:
        if self._batch is not None:
            try:
                with self._batch.begin_nested():
                    yield self._batch
            finally:
                # The store hands out no ORM objects: forgetting them keeps each flush of a
                # long batch as cheap as the first.
                self._batch.expunge_all()
            return
        with Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        if self._batch is not None:
            yield self._batch
            return
        with Session(self._engine) as session, session.begin():
            yield session

    # --- sweeps -------------------------------------------------------------

    def begin_sweep(
        self,
        *,
        host: str,
        roots: list[str],
        rules_version: str,
        policy_versions: dict[str, str],
        kind: str = "sweep",
    ) -> int:
        """Record the start of a sweep (or a watch session or a verify run); returns its id."""
        if kind not in SWEEP_KINDS:
            raise ValueError(f"sweep kind must be one of {sorted(SWEEP_KINDS)}, got {kind!r}")
        sweep = Sweep(
            host=host,
            kind=kind,
            started_at=_now(),
            roots=list(roots),
            rules_version=rules_version,
            policy_versions=dict(policy_versions),
        )
        with self._write() as session:
            session.add(sweep)
            session.flush()
            return sweep.id

    def finish_sweep(
        self, sweep_id: int, *, counts: dict[str, int], coverage: dict[str, Any] | None = None
    ) -> None:
        """Record the end of a sweep with its files per outcome (and, optionally, its coverage)."""
        with self._write() as session:
            sweep = session.get(Sweep, sweep_id)
            if sweep is None:
                raise KeyError(f"no sweep {sweep_id}")
            sweep.finished_at = _now()
            sweep.counts_by_outcome = dict(counts)
            if coverage is not None:
                sweep.coverage = coverage

    # --- files: the cheap path of an unchanged re-sweep ----------------------

    def file_index(self, host: str, under: list[str]) -> FileIndex:
        """path -> (size, mtime_ns, inode, outcome, rules_version, reason) of the present files
        under these folders."""
        query = select(File.path, File.size, File.mtime_ns, File.inode, File.outcome, File.rules_version,
                       File.reason).where(File.host == host, File.present.is_(True), under_folders(File.path, under))
        with self._read() as session:
            return {path: (size, mtime, inode, outcome, rules, reason) for path, size, mtime, inode, outcome, rules,
                    reason in session.execute(query)}

    def touch_unchanged(self, sweep_id: int, host: str, paths: Iterable[str]) -> None:
        """Mark files as seen by this sweep without changing anything else (bulk)."""
        hashes = [path_hash(p) for p in paths]
        with self._write() as session:
            if session.get_bind().dialect.name == "sqlite":
                # SQLite: a few hundred IN lists, always planned on the (host, path_hash) index.
                for chunk in _chunks(hashes):
                    session.execute(_TOUCH_IN, {"b_sweep": sweep_id, "b_host": host, "b_hashes": chunk})
            elif hashes:
                # PostgreSQL: one pipelined statement per row. An IN list here is planned from
                # table statistics, which are stale right after a first sweep filled the table
                # and then give a scan of every file of the host per chunk.
                session.execute(_TOUCH_ONE, [{"b_sweep": sweep_id, "b_host": host, "b_hash": h} for h in hashes])

    # --- files: scanned, changed, gone ---------------------------------------

    def record_scan(
        self,
        sweep_id: int,
        facts: FileFacts,
        findings: list[FindingRow],
        decisions: list[ViolationDecision],
    ) -> RecordOutcome:
        """Store a fresh scan of one file: its facts, its findings (replacing the old ones)
        and its violations (opened, kept or closed to match ``decisions``)."""
        now = _now()
        with self._write() as session:
            file_id, created = upsert_file(session, sweep_id, facts, now)
            replace_findings(session, file_id, findings, known_empty=created)
            return reconcile.reconcile(session, file_id, sweep_id, decisions, now, known_empty=created)

    def record_new(self, sweep_id: int, scans: list[NewScan]) -> list[tuple[str, RecordOutcome]]:
        """Store fresh scans of files the register did not know when the sweep began: rows,
        findings and violations in a few statements for all of them (a first sweep of a share
        is mostly these). A path that exists after all is recorded by record_scan.
        Returns (path, outcome) for each scan that opened, kept or closed a violation."""
        now = _now()
        changed: list[tuple[str, RecordOutcome]] = []
        created: dict[str, int] = {}
        for part in _chunks(scans):
            with self._write() as session:
                ids = insert_new_files(session, sweep_id, [s.facts for s in part], now)
                created.update(ids)
                insert_findings(session, [value for s in part if s.facts.path in ids
                                          for value in new_finding_values(ids[s.facts.path], s.findings)])
                for s in part:
                    if s.decisions and s.facts.path in ids:
                        changed.append((s.facts.path, reconcile.reconcile(
                            session, ids[s.facts.path], sweep_id, s.decisions, now, known_empty=True)))
        for s in scans:
            if s.facts.path not in created:
                outcome = self.record_scan(sweep_id, s.facts, s.findings, s.decisions)
                if outcome.opened or outcome.kept or outcome.closed:
                    changed.append((s.facts.path, outcome))
        return changed

    def update_exposure(
        self,
        sweep_id: int,
        host: str,
        path: str,
        exposure: dict[str, Any],
        decisions: list[ViolationDecision],
    ) -> RecordOutcome:
        """Who can read a file changed but its content did not: store the new exposure and
        re-judge its violations. Raises KeyError for a file the store does not know."""
        now = _now()
        with self._write() as session:
            file = find_file(session, host, path)
            if file is None or not file.present:
                raise KeyError(f"no present file {path!r} on {host!r}")
            file.exposure = exposure
            file.exposure_digest = exposure_digest(exposure)
            file.world_readable = world_readable(exposure)
            file.last_seen_sweep = sweep_id
            return reconcile.reconcile(session, file.id, sweep_id, decisions, now)

    def mark_missing(self, sweep_id: int, host: str, under: list[str], seen: set[str]) -> RecordOutcome:
        """Files under the swept folders that this sweep did not see are gone: mark them
        deleted and close their active violations ("file gone")."""
        query = select(File.id, File.path).where(
            File.host == host, File.present.is_(True), under_folders(File.path, under)
        )
        with self._write() as session:
            gone = [file_id for file_id, path in session.execute(query) if path not in seen]
            return self._mark_gone(session, gone, sweep_id)

    def mark_deleted(self, sweep_id: int, host: str, path: str) -> RecordOutcome:
        """One file is gone (the watcher saw it deleted). Unknown or already gone: no-op."""
        with self._write() as session:
            file = find_file(session, host, path)
            if file is None or not file.present:
                return RecordOutcome()
            outcome = self._mark_gone(session, [file.id], sweep_id)
            outcome.file_id = file.id
            return outcome

    def _mark_gone(self, session: Session, file_ids: list[int], sweep_id: int) -> RecordOutcome:
        now = _now()
        for chunk in _chunks(file_ids):
            session.execute(
                update(File)
                .where(File.id.in_(chunk))
                .values(present=False, deleted_at=now, deleted_sweep=sweep_id)
                .execution_options(synchronize_session=False)
            )
        active = reconcile.active_violations(session, file_ids)
        return RecordOutcome(closed=reconcile.close(session, active, sweep_id, CLOSE_FILE_GONE, now))

    # --- queries ------------------------------------------------------------

    def open_violation_count(self, host: str | None = None) -> int:
        """Violations still violating that nobody has dispositioned (accepted risk and false
        positives are not counted), on one host or everywhere: what `sweep` exits 1 for."""
        query = select(func.count(Violation.id)).where(*_needs_action())
        if host is not None:
            query = query.join(File, File.id == Violation.file_id).where(File.host == host)
        with self._read() as session:
            return int(session.scalar(query) or 0)

    def open_violations_by_policy(self, host: str | None = None) -> dict[str, int]:
        """policy id -> number of violations that still need action, on one host or everywhere."""
        query = select(Violation.policy_id, func.count(Violation.id)).where(*_needs_action())
        if host is not None:
            query = query.join(File, File.id == Violation.file_id).where(File.host == host)
        with self._read() as session:
            return {policy: int(n) for policy, n in session.execute(query.group_by(Violation.policy_id))}

    def export_files(self, *, min_confidence: int = 2, include_all: bool = False) -> Iterator[dict]:
        """One record per present file with a finding at or above ``min_confidence`` (any
        finding with ``include_all``), an active violation (any with ``include_all``), or an
        outcome other than clean/findings. See ARCHITECTURE.md for the exact shape."""
        with self._read() as session:
            yield from export.export_files(session, min_confidence=min_confidence, include_all=include_all)

    # --- policy changes: re-judging stored facts (store/policy_changes.py) -----

    def exposure_digests(self, host: str, under: list[str]) -> dict[str, str]:
        """path -> digest of the stored exposure (policy_changes.exposure_digest), the
        companion of file_index for noticing a chmod or ACL edit without a re-read."""
        with self._read() as session:
            return policy_changes.exposure_digests(session, host, under)

    def stored_files(self, host: str | None = None, batch_size: int = policy_changes.BATCH
                     ) -> Iterator[list[policy_changes.StoredFile]]:
        """Every present file's stored facts and findings, in batches (one host or all)."""
        yield from policy_changes.iter_batches(self._read, host, batch_size)

    def stored_file(self, host: str, path: str) -> policy_changes.StoredFile | None:
        """One present file's stored facts and findings, or None."""
        with self._read() as session:
            found = policy_changes.load_batch(session, host, 0, 1, paths=[path])
        return found[0] if found else None

    def rejudge_stored(self, judge: policy_changes.Judge, *, label: str, host: str | None = None,
                       dry_run: bool = False, batch_size: int = policy_changes.BATCH) -> policy_changes.Rejudgement:
        """Re-judge every present file from its stored facts (no file is read): open, keep
        and close violations to match ``judge``, one transaction per batch. ``dry_run``:
        change nothing, only say what would open and close. ``label`` goes into events."""
        result = policy_changes.Rejudgement()
        after = 0
        while True:
            with self._read() if dry_run else self._write() as session:
                files = policy_changes.load_batch(session, host, after, batch_size)
                policy_changes.rejudge_batch(session, files, judge, result, label=label, now=_now(),
                                             write=not dry_run)
            if not files:
                return result
            after = files[-1].file_id

    def record_policy_change(self, *, actor: str, host: str | None, old_versions: dict[str, str],
                             new_versions: dict[str, str], result: policy_changes.Rejudgement) -> int:
        """Keep the record of one re-judgement (versions before and after, what changed)."""
        with self._write() as session:
            return policy_changes.record_change(session, actor=actor, host=host, old_versions=old_versions,
                                                new_versions=new_versions, result=result, now=_now())

    def last_policy_versions(self, host: str | None = None) -> dict[str, str] | None:
        """policy id -> version that last judged this host's files (None: never judged)."""
        with self._read() as session:
            return policy_changes.last_policy_versions(session, host)

    def recent_policy_changes(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest recorded policy changes, newest first."""
        with self._read() as session:
            return policy_changes.list_changes(session, limit)

    # --- the register's lifecycle, copies and attestation (issue 7) ---------
    # store/lifecycle.py explains the states; store/copies.py the copy links.

    def settle_lifecycle(self, sweep_id: int) -> lifecycle.SettleOutcome:
        """After a sweep or verify: turn what it proved into verified / reopened / resolved_unverified."""
        with self._write() as session:
            return lifecycle.settle(session, sweep_id, _now())

    def acknowledge(self, violation_id: int, actor: str, *, assignee: str | None = None,
                    due_at: datetime | None = None, note: str = "") -> None:
        with self._write() as session:
            lifecycle.acknowledge(session, violation_id, actor, _now(), assignee=assignee, due_at=due_at, note=note)

    def claim_remediation(self, violation_id: int, actor: str, *, method: str, note: str = "") -> None:
        with self._write() as session:
            lifecycle.claim(session, violation_id, actor, _now(), method=method, note=note)

    def accept_risk(self, violation_id: int, actor: str, *, reason: str) -> None:
        with self._write() as session:
            lifecycle.accept_risk(session, violation_id, actor, _now(), reason=reason)

    def mark_false_positive(self, violation_id: int, actor: str, *, reason: str, scope: str = "file",
                            value: str | None = None) -> list[int]:
        """Returns the ids marked (more than one when a value-hash suppression covers others)."""
        with self._write() as session:
            return lifecycle.mark_false_positive(session, violation_id, actor, _now(), reason=reason,
                                                 scope=scope, value=value)

    def suppressed_hashes(self) -> set[str]:
        """Value hashes judged false positives everywhere: the agent drops them before judging."""
        with self._read() as session:
            return lifecycle.suppressed_hashes(session)

    def list_violations(self, filt: register_views.ViolationFilter | None = None,
                        limit: int | None = None) -> list[dict]:
        with self._read() as session:
            return register_views.list_violations(session, filt or register_views.ViolationFilter(), _now(), limit)

    def show_violation(self, violation_id: int) -> dict | None:
        with self._read() as session:
            return register_views.show_violation(session, violation_id, _now())

    def linked_copies(self, file_id: int) -> list[copies.CopyLink]:
        with self._read() as session:
            return copies.linked_copies(session, file_id)

    def attest_sweep(self, sweep_id: int, sign: Callable[[bytes], str]) -> str:
        """Record the sweep's coverage and store ``sign(canonical payload)`` as its signature."""
        with self._write() as session:
            sweep = attest_store.record_coverage(session, sweep_id)
            sweep.signature = sign(attest_store.canonical(attest_store.payload(sweep)))
            return sweep.signature

    def sweep_attestation(self, sweep_id: int) -> tuple[dict[str, Any], str | None]:
        """(payload, signature) of a sweep as stored now. KeyError for an unknown sweep."""
        with self._read() as session:
            sweep = session.get(Sweep, sweep_id)
            if sweep is None:
                raise KeyError(f"no sweep {sweep_id}")
            return attest_store.payload(sweep), sweep.signature

    def sweep_ids(self, host: str | None = None) -> list[int]:
        query = select(Sweep.id).order_by(Sweep.id)
        if host is not None:
            query = query.where(Sweep.host == host)
        with self._read() as session:
            return list(session.scalars(query))


def _needs_action() -> tuple[ColumnElement[bool], ...]:
    from .lifecycle import OPEN_STATES

    return (Violation.closed_at.is_(None), Violation.status.in_(OPEN_STATES))
