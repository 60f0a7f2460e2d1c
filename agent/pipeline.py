"""Scanning one file end to end, the same for sweeps, the watcher and verify.

``Scanner`` holds what a worker needs (engine, limits) and runs in worker
processes; ``judge`` turns its result into stored facts and policy decisions
in the parent, where the store lives.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.access import exposure_for
from scanner.detect import load_engine
from scanner.limits import ScanLimits
from scanner.model import Confidence, Exposure, FileRef, Finding, Outcome, ScanResult, display_path
from scanner.scan import scan_file
from store.records import FileFacts, FindingRow

from .policy import Decision, Policy, PolicyFacts, evaluate


@dataclass
class ScanJob:
    ref: FileRef
    share_root: bytes | None  # exposure is computed up to here (None: the sweep root)


@dataclass
class ScanOutput:
    """One scanned file as the agent judges and stores it. Its findings are ``rows`` (the
    store's records, made in the worker); ``result.findings`` is left empty."""

    ref: FileRef
    result: ScanResult
    exposure: Exposure
    rows: list[FindingRow] = field(default_factory=list)

    def __reduce__(self) -> tuple[Any, tuple[object, ...]]:
        # The rows travel as plain tuples: 4x cheaper for the sweep to unpickle than named
        # ones (a roster sends thousands from a worker process, and the sweep is one core).
        return (_output_from_wire, (self.ref, self.result, self.exposure, [tuple(r) for r in self.rows]))


def _output_from_wire(ref: FileRef, result: ScanResult, exposure: Exposure,
                      rows: list[tuple[Any, ...]]) -> ScanOutput:
    new = tuple.__new__  # a FindingRow from its fields, in C
    return ScanOutput(ref, result, exposure, [new(FindingRow, row) for row in rows])


class Scanner:
    """Loads the rules once; scans files. Lives in each worker process."""

    def __init__(self, rules_dir: Path | None, hasher: Callable[[str], str], limits: ScanLimits,
                 prefilter: str = "auto", broad_groups: tuple[str, ...] = ()) -> None:
        self._args = (rules_dir, hasher, limits, prefilter, broad_groups)
        self.engine = load_engine(rules_dir, hasher=hasher, prefilter=prefilter)
        self.limits = limits
        self.broad_groups = broad_groups
        self.journal: Any = None  # agent.watch.journal.ScanJournal in the watcher, else None

    def __reduce__(self) -> tuple[type[Scanner], tuple[object, ...]]:
        # Sent to spawned workers as its arguments: the child loads the rules itself.
        return (Scanner, self._args)

    def scan(self, job: ScanJob) -> ScanOutput:
        if self.journal is not None:  # the watcher: remember what is being read, in case it kills us
            self.journal.begin(job.ref)
        try:
            result = scan_file(job.ref, self.engine, self.limits)
        finally:
            if self.journal is not None:
                self.journal.end(job.ref)
        exposure = self.exposure(job.ref, job.share_root)
        rows = finding_rows(result.findings)
        result.findings = []  # moved into rows
        return ScanOutput(job.ref, result, exposure, rows)

    def exposure(self, ref: FileRef, share_root: bytes | None) -> Exposure:
        root = share_root if share_root is not None else ref.root
        try:
            return exposure_for(ref.raw_path, root, broad_groups=self.broad_groups)
        except OSError as e:  # vanished or unreadable metadata: say so, never guess "restricted"
            return Exposure(evidence={"error": f"{type(e).__name__}: {e.strerror or e}"})


def finding_rows(findings: list[Finding]) -> list[FindingRow]:
    """The store's rows; each finding's confidence is worked out here, once."""
    level, new = Confidence.from_score, tuple.__new__  # a row from its fields in C: rosters make thousands
    return [new(FindingRow, (f.detector, f.value_hash, f.masked, int(level(f.score)), round(f.score, 4), f.location,
                             f.record, f.occurrences))
            for f in findings]


def detections(rows: list[FindingRow]) -> dict[str, dict[str, int]]:
    """detector -> value hash -> best confidence in the file."""
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        per = out.setdefault(row.detector, {})
        if per.get(row.value_hash, 0) < row.confidence:
            per[row.value_hash] = row.confidence
    return out


def exposure_dict(exposure: Exposure) -> dict[str, object]:
    return {
        "owner": exposure.owner,
        "readers": list(exposure.readers),
        "broad_principals": list(exposure.broad_principals),
        "world_readable": exposure.world_readable,
        "evidence": exposure.evidence,
    }


def file_facts(host: str, out: ScanOutput, rules_version: str | None = None) -> FileFacts:
    """``rules_version``: the detector rules that read the content (stored, so other rules read it again)."""
    ref, result = out.ref, out.result
    return FileFacts(
        host=host, path=ref.path, zone=ref.zone, size=ref.size, mtime_ns=ref.mtime_ns, inode=ref.inode,
        outcome=str(result.outcome), reason=result.reason, encrypted=result.encrypted,
        protection=result.protection, file_type=result.file_type, pension_records=result.pension_records,
        exposure=exposure_dict(out.exposure), content_hash=None, rules_version=rules_version,
    )


def problem_facts(host: str, path: bytes, zone: str, outcome: Outcome, reason: str) -> FileFacts:
    """A path the walk could not turn into a scannable file (FIFO, permission denied ...)."""
    try:
        st = os.lstat(path)
        size, mtime_ns, inode = st.st_size, st.st_mtime_ns, st.st_ino
    except OSError:
        size = mtime_ns = inode = 0
    return FileFacts(host=host, path=display_path(path), zone=zone, size=size, mtime_ns=mtime_ns, inode=inode,
                     outcome=str(outcome), reason=reason, encrypted=False, protection="", file_type="",
                     pension_records=0, exposure={}, content_hash=None)


def judge(policies: list[Policy], out: ScanOutput, rows: list[FindingRow]) -> list[Decision]:
    """The policy decisions on one scanned file; ``rows`` are finding_rows of its findings."""
    facts = PolicyFacts(
        zone=out.ref.zone,
        encrypted=out.result.encrypted,
        world_readable=out.exposure.world_readable,
        pension_records=out.result.pension_records,
        detections=detections(rows),
        broad_principals=list(out.exposure.broad_principals),
    )
    return evaluate(policies, facts)


def reportable(rows: list[FindingRow], threshold: Confidence) -> set[str]:
    """The detectors with a finding at or above the reporting threshold."""
    return {row.detector for row in rows if row.confidence >= threshold}
