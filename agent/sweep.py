"""A one-off sweep: walk the roots, scan what changed, judge, record, close what is gone."""

from __future__ import annotations

import fnmatch
import os
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.access import directory_cache
from scanner.model import FileRef, Outcome, display_path
from scanner.walk import walk
from store import Store
from store.digests import exposure_digest
from store.records import FileFacts, NewScan, ViolationDecision
from store.repository import FileEntry, FileIndex

from . import logs
from .attest import sign_sweep
from .interrupts import interruption
from .keys import load_or_create_key, make_hasher
from .pipeline import (
    ScanJob,
    Scanner,
    ScanOutput,
    exposure_dict,
    file_facts,
    judge,
    problem_facts,
    reportable,
)
from .policy import Decision, Policy, evaluate, load_policies, versions
from .pool import scan_parallel, scan_serial
from .reapply import reapply_policies
from .settings import Settings
from .stored_facts import as_store_decisions, policy_facts
from .suppress import drop_suppressed
from .zones import ZoneMap, canonical, canonical_glob

# A root that comes back empty while the register knows at least this many files under
# it is taken for an unmounted share, not a deletion.
EMPTY_ROOT_GUARD = 20

# Outcomes worth reading again even when size, mtime and inode are unchanged.
RETRY_OUTCOMES = {"timeout", "unreadable", "vanished", "error"}

# Judged files are written in one transaction per chunk (SQLite commits are the cost):
# a chunk ends at this many files, this many findings (about 0.1 s to insert; what the
# sweep holds in memory, however many workers feed it rosters) or seconds.
CHUNK_FILES = 500
CHUNK_FINDINGS = 20_000
CHUNK_SECONDS = 2.0


def unchanged_since_scan(ref: FileRef, known: FileEntry | None, rules_version: str) -> bool:
    """Same size, mtime and inode as the register's entry, an outcome not worth retrying, and
    read under these detector rules: what older rules made of a file is no answer for new ones."""
    return (known is not None and known[:3] == (ref.size, ref.mtime_ns, ref.inode)
            and known[3] not in RETRY_OUTCOMES and known[4] == rules_version)


def problem_unchanged(facts: FileFacts, known: FileEntry | None) -> bool:
    """A path the walk reported (a symlink, a FIFO) stored as it is now: same lstat, outcome
    and reason. Outcomes worth retrying (unreadable, vanished ...) are recorded each time, so
    the register says when they were last tried."""
    return (known is not None and known[:3] == (facts.size, facts.mtime_ns, facts.inode)
            and known[3] == facts.outcome and facts.outcome not in RETRY_OUTCOMES and known[5] == facts.reason)


@dataclass
class SweepSummary:
    sweep_id: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)  # detector -> files with a reportable finding
    opened: int = 0
    closed: int = 0
    open_by_policy: Counter[str] = field(default_factory=Counter)
    bytes_read: int = 0
    seconds: float = 0.0
    settled: Any = None  # store.lifecycle.SettleOutcome of this sweep
    interrupted: str = ""  # why the sweep stopped before the end ("" when it ran to the end)
    rules_rereads: int = 0  # known files read again because other detector rules read them last

    @property
    def open_violations(self) -> int:
        return sum(self.open_by_policy.values())


ProgressHook = Callable[[int, int], None]  # (files done, bytes done)


class Sweep:
    """Wires walk, scanner, policies and store for one run over some roots."""

    def __init__(self, settings: Settings, store: Store, *, full: bool = False, kind: str = "sweep") -> None:
        self.settings = settings
        self.store = store
        self.full = full
        self.kind = kind
        self.summary = SweepSummary()  # the current or last run's (an interrupted run's too)
        self.host = settings.host_name
        self.zones = ZoneMap(settings.zones, settings.default_zone)
        self.exclude = [canonical_glob(pattern) for pattern in settings.exclude]  # paths are real paths
        rules_dir = Path(settings.rules_dir) if settings.rules_dir else None
        self.policies: list[Policy] = load_policies(rules_dir or _default_rules())
        self.key = load_or_create_key(settings.key_file)
        hasher = make_hasher(self.key)
        self.suppressed = store.suppressed_hashes()  # false positives by value hash (issue 7)
        self.scanner = Scanner(rules_dir, hasher, settings.scan_limits(), settings.prefilter,
                               tuple(settings.broad_groups))
        self.log = logs.get()

    @property
    def rules_version(self) -> str:
        """The detector rules this sweep reads with (stored per file)."""
        return self.scanner.engine.version

    # -- walking ------------------------------------------------------------

    def excluded(self, path: bytes) -> bool:
        if not self.exclude:  # every file of every sweep asks: decode nothing when no pattern is set
            return False
        text = display_path(path)
        return any(fnmatch.fnmatchcase(text, pat) for pat in self.exclude)

    def jobs(self, roots: list[bytes], summary: SweepSummary, seen: set[str],
             index: FileIndex, sweep_id: int,
             exposures: dict[str, str] | None = None) -> Iterator[ScanJob]:
        """Scan jobs for new and changed files. ``exposures`` (path -> stored exposure
        digest): unchanged files get their exposure re-checked (stat/ACL, no read)."""
        unchanged: list[str] = []
        problems: list[tuple[bytes, Outcome, str]] = []

        def on_problem(path: bytes, outcome: Outcome, reason: str) -> None:
            problems.append((path, outcome, reason))

        for ref in walk(roots, on_problem=on_problem):
            self._record_problems(problems, summary, seen, sweep_id, index, unchanged)
            if self.excluded(ref.raw_path):
                summary.outcomes["excluded"] += 1
                continue
            match = self.zones.match(ref.raw_path)
            if ref.zone != match.zone:
                ref = replace(ref, zone=match.zone)
            seen.add(ref.path)
            known = index.get(ref.path)
            if not self.full and unchanged_since_scan(ref, known, self.rules_version):
                summary.outcomes["unchanged"] += 1
                unchanged.append(ref.path)
                if exposures is not None:
                    self.recheck_exposure(sweep_id, ref, match.share_root, exposures.get(ref.path), summary)
                if len(unchanged) >= 5000:
                    self.store.touch_unchanged(sweep_id, self.host, unchanged)
                    unchanged.clear()
                continue
            if known is not None and known[4] != self.rules_version:
                summary.rules_rereads += 1
            share_root = os.fsencode(match.share_root) if match.share_root else None
            yield ScanJob(ref, share_root)
        self._record_problems(problems, summary, seen, sweep_id, index, unchanged)
        if unchanged:
            self.store.touch_unchanged(sweep_id, self.host, unchanged)

    def _record_problems(self, problems: list[tuple[bytes, Outcome, str]], summary: SweepSummary,
                         seen: set[str], sweep_id: int, index: FileIndex, unchanged: list[str]) -> None:
        """Store what the walk reported so far (FIFOs, unreadable folders ...) and forget it.
        One stored as it is now (a symlink to the same target) is only marked seen, as an
        unchanged file is: recording each again cost a re-sweep of /usr/share/doc 3 ms apiece."""
        for path, outcome, reason in problems:
            if self.excluded(path):
                summary.outcomes["excluded"] += 1
                continue
            facts = problem_facts(self.host, path, self.zones.zone_for(path), outcome, reason)
            seen.add(facts.path)
            summary.outcomes[str(outcome)] += 1
            if not self.full and problem_unchanged(facts, index.get(facts.path)):
                unchanged.append(facts.path)
                continue
            self.store.record_scan(sweep_id, facts, [], [])
            self.log.info("file_problem", path=facts.path, outcome=str(outcome), reason=reason)
        problems.clear()

    # -- exposure and policy changes without a re-read -------------------------

    def recheck_exposure(self, sweep_id: int, ref: FileRef, share_root: str | None, stored_digest: str | None,
                         summary: SweepSummary) -> bool:
        """An unchanged file: recompute who can read it (cheap) and, if that differs from
        the stored exposure, re-judge it from stored facts. Returns whether it changed."""
        root = os.fsencode(share_root) if share_root else None
        fresh = exposure_dict(self.scanner.exposure(ref, root))
        if stored_digest is not None and exposure_digest(fresh) == stored_digest:
            return False
        stored = self.store.stored_file(self.host, ref.path)
        if stored is None:
            return False
        decisions = evaluate(self.policies, policy_facts(stored, fresh))
        result = self.store.update_exposure(sweep_id, self.host, ref.path, fresh, as_store_decisions(decisions))
        summary.outcomes["exposure_changed"] += 1
        summary.opened += len(result.opened)
        summary.closed += len(result.closed)
        self.log.info("exposure_changed", path=ref.path, world_readable=bool(fresh["world_readable"]),
                      broad_principals=fresh["broad_principals"])
        self._log_changes(result, ref.path)
        return True

    def reapply_if_policies_changed(self, summary: SweepSummary) -> None:
        """Policies differ from those that last judged this host: re-judge stored facts first."""
        old = self.store.last_policy_versions(self.host)
        new = versions(self.policies)
        if old is None or old == new:
            return
        changed = {pid: [old.get(pid), new.get(pid)] for pid in sorted(set(old) | set(new)) if old.get(pid) != new.get(pid)}
        self.log.warning("policy_changed", host=self.host, changed=changed)
        result = reapply_policies(self.policies, self.store, host=self.host)
        summary.opened += len(result.opened)
        summary.closed += len(result.closed)

    # -- recording ----------------------------------------------------------

    def record(self, sweep_id: int, out: ScanOutput, summary: SweepSummary) -> None:
        """Judge and store one scanned file now (the watcher's way: one file at a time)."""
        scan = self.judged(out, summary)
        result = self.store.record_scan(sweep_id, scan.facts, scan.findings, scan.decisions)
        self._log_changes(result, scan.facts.path)
        summary.opened += len(result.opened)
        summary.closed += len(result.closed)

    def judged(self, out: ScanOutput, summary: SweepSummary) -> NewScan:
        """What one scanned file makes of the register (nothing written yet): its facts,
        findings and policy decisions; counted in ``summary`` and logged."""
        out = drop_suppressed(out, self.suppressed)
        rows = out.rows
        decisions = judge(self.policies, out, rows)
        scan = NewScan(file_facts(self.host, out, self.rules_version), rows, [_decision(d) for d in decisions])
        summary.outcomes[str(out.result.outcome)] += 1
        summary.bytes_read += out.result.bytes_read
        reported = reportable(rows, self.settings.threshold)
        for detector in reported:
            summary.findings[detector] += 1
        if out.result.outcome not in (Outcome.CLEAN, Outcome.FINDINGS):
            self.log.info("file_not_scanned", path=scan.facts.path, outcome=str(out.result.outcome),
                          reason=out.result.reason)
        elif reported:
            self.log.info("file_findings", path=scan.facts.path, detectors=sorted({r.detector for r in rows}),
                          pension_records=out.result.pension_records)
        return scan

    def store_batch(self, sweep_id: int, scans: list[NewScan], index: FileIndex,
                    summary: SweepSummary) -> None:
        """Write judged scans in one transaction: files the register knew one by one (their
        findings and violations are reconciled), new files in bulk."""
        with self.store.batch():
            changed = [(s.facts.path, self.store.record_scan(sweep_id, s.facts, s.findings, s.decisions))
                       for s in scans if s.facts.path in index]
            changed += self.store.record_new(sweep_id, [s for s in scans if s.facts.path not in index])
        for path, result in changed:
            self._log_changes(result, path)
            summary.opened += len(result.opened)
            summary.closed += len(result.closed)

    def _log_changes(self, result: object, path: str) -> None:
        for vid in getattr(result, "opened", []):
            self.log.warning("violation_opened", violation_id=vid, path=path)
        for vid in getattr(result, "closed", []):
            self.log.info("violation_closed", violation_id=vid, path=path)

    # -- running ------------------------------------------------------------

    def run(self, roots: list[str], progress: ProgressHook | None = None) -> SweepSummary:
        with directory_cache():  # each parent folder's permissions are read once per sweep
            return self._run(roots, progress)

    def _run(self, roots: list[str], progress: ProgressHook | None) -> SweepSummary:
        started = time.monotonic()
        raw_roots = [os.fsencode(canonical(r)) for r in roots]
        under = [display_path(r) for r in raw_roots]
        # A root named through a symlink: files an older sweep recorded under that spelling
        # are the same files, closed as gone from it once the real place has been swept.
        aliases = {os.path.abspath(r): real for r, real in zip(roots, under, strict=True)
                   if os.path.abspath(r) != real}
        summary = self.summary = SweepSummary()
        self.reapply_if_policies_changed(summary)
        sweep_id = self.store.begin_sweep(host=self.host, roots=under, rules_version=self.rules_version,
                                          policy_versions=versions(self.policies), kind=self.kind)
        summary.sweep_id = sweep_id
        self.log.info("sweep_started", sweep_id=sweep_id, roots=under, host=self.host)
        index = self.store.file_index(self.host, under)
        exposures = None if self.full else self.store.exposure_digests(self.host, under)
        seen: set[str] = set()
        jobs = self.jobs(raw_roots, summary, seen, index, sweep_id, exposures)
        done_files = done_bytes = 0
        # Each result is judged as it arrives, so the workers are fed between results; the
        # judged files are written in one transaction per chunk (SQLite commits are the cost).
        outputs = self._execute(jobs)
        judged = (self.judged(out, summary) for out in outputs)
        pending: list[NewScan] = []  # judged, not yet written
        try:
            for chunk in _chunks(judged, size=CHUNK_FILES, seconds=CHUNK_SECONDS, pending=pending):
                self.store_batch(sweep_id, chunk, index, summary)
                done_files += len(chunk)
                done_bytes += sum(scan.facts.size for scan in chunk)
                chunk.clear()  # written: nothing of it is pending any more
                if progress:
                    progress(done_files, done_bytes)
        except BaseException as e:  # a signal, a stop request, a failure: keep what was scanned
            outputs.close()  # stops the workers now, not when the traceback lets go of them
            self._record_interrupted(sweep_id, pending, index, summary, started, interruption(e))
            raise
        kept = self._not_vanished(under, index, seen, summary)
        kept += [alias for alias, real in aliases.items() if real in kept]
        gone = self.store.mark_missing(sweep_id, self.host, kept, seen)
        for vid in gone.closed:
            self.log.info("violation_closed", violation_id=vid, reason="file gone")
        summary.closed += len(gone.closed)
        summary.settled = self.store.settle_lifecycle(sweep_id)  # claims -> verified / reopened (issue 7)
        counts = dict(summary.outcomes)
        self.store.finish_sweep(sweep_id, counts=counts)
        sign_sweep(self.store, sweep_id, self.key)  # coverage attestation (issue 7)
        summary.open_by_policy = Counter(self.store.open_violations_by_policy(self.host))
        summary.seconds = time.monotonic() - started
        self.log.info("sweep_finished", sweep_id=sweep_id, counts=counts, opened=summary.opened,
                      closed=summary.closed, open_violations=summary.open_violations,
                      rules_rereads=summary.rules_rereads, seconds=round(summary.seconds, 3))
        return summary

    def _record_interrupted(self, sweep_id: int, pending: list[NewScan], index: FileIndex,
                            summary: SweepSummary,
                            started: float, reason: str) -> None:
        """End the sweep's record as interrupted, signed like any other: the files it scanned
        are written; nothing is closed and no claim settled, since a file it did not reach
        is not a file that is gone."""
        summary.interrupted = reason
        summary.seconds = time.monotonic() - started
        if pending:
            try:
                self.store_batch(sweep_id, pending, index, summary)
            except Exception as e:  # the write itself may be what failed: those files wait for the next sweep
                self.log.error("sweep_pending_not_written", sweep_id=sweep_id, files=len(pending),
                               error=f"{type(e).__name__}: {e}")
        try:
            self.store.finish_sweep(sweep_id, counts=dict(summary.outcomes), coverage={"interrupted": reason})
            sign_sweep(self.store, sweep_id, self.key)
            summary.open_by_policy = Counter(self.store.open_violations_by_policy(self.host))
        except Exception as e:  # the register itself may be what failed: the first error is the one to see
            self.log.error("sweep_interrupt_not_recorded", sweep_id=sweep_id, error=f"{type(e).__name__}: {e}")
        self.log.warning("sweep_interrupted", sweep_id=sweep_id, reason=reason, counts=dict(summary.outcomes),
                         seconds=round(summary.seconds, 3))

    def _not_vanished(self, under: list[str], index: FileIndex, seen: set[str],
                      summary: SweepSummary) -> list[str]:
        """The roots whose missing files may be closed as gone. A root that came back empty
        while the register knows many files under it is an unmounted share or a dead NAS,
        not a mass deletion: nothing under it is closed, and the sweep says so."""
        kept = []
        for root in under:
            prefix = root.rstrip("/") + "/"
            if any(path.startswith(prefix) for path in seen):  # the usual case: no count needed
                kept.append(root)
                continue
            known = sum(1 for path in index if path.startswith(prefix))
            if known >= EMPTY_ROOT_GUARD:
                summary.outcomes["root_empty"] += 1
                self.log.warning("root_empty", root=root, known_files=known,
                                 action="nothing closed; an unmounted share is not a deletion")
                continue
            kept.append(root)
        return kept

    def _execute(self, jobs: Iterator[ScanJob]) -> Generator[ScanOutput, None, None]:
        workers = self.settings.worker_count
        if workers <= 1:
            return scan_serial(self.scanner, jobs)
        return scan_parallel(self.scanner, jobs, workers)


def _chunks(items: Iterator[NewScan], size: int, seconds: float, pending: list[NewScan]) -> Iterator[list[NewScan]]:
    """Group results by count, by the findings they hold or by time, whichever comes first,
    so progress stays live and memory bounded (16 workers send rosters faster than one
    per 10 ms). Each chunk is ``pending`` itself, which the caller empties once it has
    written it: what it holds after an interruption is what still needs writing."""
    started = time.monotonic()
    findings = 0
    for item in items:
        pending.append(item)
        findings += len(item.findings)
        if len(pending) >= size or findings >= CHUNK_FINDINGS or time.monotonic() - started >= seconds:
            yield pending
            pending.clear()
            started, findings = time.monotonic(), 0
    if pending:
        yield pending
        pending.clear()


def _decision(d: Decision) -> ViolationDecision:
    return ViolationDecision(policy_id=d.policy_id, policy_version=d.policy_version, severity=d.severity,
                             evidence=d.evidence)


def _default_rules() -> Path:
    from rules import default_rules_dir

    return default_rules_dir()
