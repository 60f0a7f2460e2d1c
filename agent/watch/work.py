"""What a worker does with one queued path, decided by ``stat`` (events are only hints).

- gone: its file (or, for a folder, every file below it) is marked deleted, closing its
  violations; unless the whole root is gone, which is an outage (an unmounted share),
  not a deletion;
- a regular file still being written (mtime within the settle time): back to the queue;
- a regular file unchanged since its last scan (size, mtime, inode): nothing to do;
- a regular file otherwise: scanned, judged and recorded;
- a folder (created, or moved here): walked, and files the store knew below it that are
  not there any more are marked deleted.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from scanner.model import FileRef, display_path
from scanner.walk import walk
from store.repository import FileEntry

from .. import logs
from ..pipeline import ScanJob
from ..sweep import Sweep, SweepSummary, unchanged_since_scan
from .status import Counters
from .throttle import TokenBucket

FUTURE_MTIME_SLACK = 2.0  # an mtime this far ahead is clock skew, not a writer


@dataclass
class WorkContext:
    sweep_id: int  # the watch session's sweep row: every event-driven change is recorded under it
    roots: list[bytes]
    settle_seconds: float
    requeue: Callable[[bytes], bool]
    bucket: TokenBucket
    stop: threading.Event
    counters: Counters


class PathWork:
    def __init__(self, ctx: WorkContext) -> None:
        self.ctx = ctx
        self.log = logs.get()

    def handle(self, sweep: Sweep, raw: bytes) -> str:
        """Process one path; returns what was done (for counters and tests)."""
        root = self.root_of(raw)
        if root is None:
            return "outside roots"
        try:
            st = os.lstat(raw)
        except FileNotFoundError:
            return self.gone(sweep, raw, root)
        if stat.S_ISDIR(st.st_mode):
            return self.walk_folder(sweep, raw, root)
        if not stat.S_ISREG(st.st_mode):
            return "not a file"  # symlinks, FIFOs ...: the reconciliation walk records them
        if self.still_changing(st):
            self.ctx.requeue(raw)
            return "deferred"
        ref = FileRef(raw_path=raw, size=st.st_size, mtime_ns=st.st_mtime_ns, inode=st.st_ino,
                      mode=st.st_mode, root=root)
        known = sweep.store.file_index(sweep.host, [ref.path]).get(ref.path)
        return self.file(sweep, ref, known)

    def root_of(self, raw: bytes) -> bytes | None:
        best = None
        for root in self.ctx.roots:
            if (raw == root or raw.startswith(root.rstrip(b"/") + b"/")) and (best is None or len(root) > len(best)):
                best = root
        return best

    def still_changing(self, st: os.stat_result) -> bool:
        return self.still_changing_ns(st.st_mtime_ns)

    def still_changing_ns(self, mtime_ns: int) -> bool:
        age = time.time() - mtime_ns / 1e9
        return -FUTURE_MTIME_SLACK < age < self.ctx.settle_seconds

    def gone(self, sweep: Sweep, raw: bytes, root: bytes) -> str:
        if not os.path.isdir(root):
            self.log.warning("root_unavailable", root=display_path(root), path=display_path(raw))
            return "root unavailable"
        path = display_path(raw)
        result = sweep.store.mark_missing(self.ctx.sweep_id, sweep.host, [path], set())
        for vid in result.closed:
            self.log.info("violation_closed", violation_id=vid, path=path, reason="file gone")
        self.ctx.counters.add("paths_deleted")
        self.ctx.counters.add("violations_closed", len(result.closed))
        return "deleted"

    def file(self, sweep: Sweep, ref: FileRef, known: FileEntry | None) -> str:
        if sweep.excluded(ref.raw_path):
            return "excluded"
        if unchanged_since_scan(ref, known, sweep.rules_version):
            return "unchanged"
        match = sweep.zones.match(ref.raw_path)
        ref = replace(ref, zone=match.zone)
        share_root = os.fsencode(match.share_root) if match.share_root else ref.root
        self.ctx.bucket.spend(ref.size, self.ctx.stop)
        self.log.info("scan_started", path=ref.path, zone=ref.zone, trigger="event")
        started = time.monotonic()
        out = sweep.scanner.scan(ScanJob(ref, share_root))
        summary = SweepSummary()
        sweep.record(self.ctx.sweep_id, out, summary)
        self.ctx.counters.add("files_scanned")
        self.ctx.counters.add("bytes_read", out.result.bytes_read)
        self.ctx.counters.add("violations_opened", summary.opened)
        self.ctx.counters.add("violations_closed", summary.closed)
        self.log.info("scan_finished", path=ref.path, outcome=str(out.result.outcome),
                      seconds=round(time.monotonic() - started, 3))
        return "scanned"

    def walk_folder(self, sweep: Sweep, raw: bytes, root: bytes) -> str:
        """A folder appeared (created or moved in): scan what is new below it, and mark
        gone what the store still lists below it (a folder replaced by another)."""
        folder = display_path(raw)
        index = sweep.store.file_index(sweep.host, [folder])
        seen: set[str] = set()
        for ref in walk([raw], on_problem=lambda *problem: seen.add(_problem_path(problem))):
            if self.ctx.stop.is_set():
                return "interrupted"  # the next start's walk picks up the rest
            ref = replace(ref, root=root)
            seen.add(ref.path)
            if self.still_changing_ns(ref.mtime_ns):
                self.ctx.requeue(ref.raw_path)  # half-written: its own settle decides
                continue
            self.file(sweep, ref, index.get(ref.path))
        result = sweep.store.mark_missing(self.ctx.sweep_id, sweep.host, [folder], seen)
        self.ctx.counters.add("violations_closed", len(result.closed))
        self.ctx.counters.add("folders_walked")
        return "walked"


def _problem_path(problem: tuple[object, ...]) -> str:
    """The path of a walk problem, whichever form the walker reports it in."""
    first = problem[0]
    raw = getattr(first, "raw_path", first)
    return display_path(raw) if isinstance(raw, bytes) else str(raw)
