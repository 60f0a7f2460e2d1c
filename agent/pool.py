"""Scanning many files in worker processes, in bounded memory, surviving worker crashes.

A worker that dies (a segfault in a native parser, the OOM killer) breaks the whole
process pool: the files it had in flight are recorded as `error` with that reason,
a new pool is started, and the sweep goes on.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from scanner.model import Exposure, Outcome, ScanResult

from .pipeline import ScanJob, Scanner, ScanOutput

IN_FLIGHT_PER_WORKER = 8
_worker: Scanner | None = None  # the scanner of this worker process (inherited on fork)


def _init_worker(scanner: Scanner | None) -> None:
    global _worker
    if _worker is None:  # spawn/forkserver: the parent's scanner arrives pickled
        _worker = scanner


def _scan_in_worker(job: ScanJob) -> ScanOutput:
    assert _worker is not None, "worker started without a scanner"
    return _worker.scan(job)


def failed(job: ScanJob, reason: str) -> ScanOutput:
    return ScanOutput(job.ref, ScanResult(outcome=Outcome.ERROR, reason=reason), Exposure())


def scan_serial(scanner: Scanner, jobs: Iterator[ScanJob]) -> Iterator[ScanOutput]:
    for job in jobs:
        try:
            yield scanner.scan(job)
        except Exception as e:  # scan_file never raises by contract; this keeps a bug from ending a sweep
            yield failed(job, f"internal error: {type(e).__name__}: {e}")


def scan_parallel(scanner: Scanner, jobs: Iterator[ScanJob], workers: int,
                  hard_limit: float | None = None) -> Iterator[ScanOutput]:
    """Results in completion order; at most ``IN_FLIGHT_PER_WORKER * workers`` files in flight
    (enough queued that the workers keep busy while the sweep writes a batch to the store).

    A crash breaks the whole pool, so the files in flight are retried once in a new one;
    a file in flight at two crashes is recorded as `error`. A file still running after
    the hard limit (a native parser stuck where the cooperative per-file deadline cannot
    reach) has its workers killed and is recorded as `timeout`.
    """
    global _worker
    _worker = scanner  # forked children inherit the loaded rules instead of loading them again
    if hard_limit is None:
        hard_limit = scanner.limits.per_file_seconds * 2 + 10
    runner = _Runner(scanner, workers)
    try:
        exhausted = False
        while runner.pending or not exhausted:
            while not exhausted and len(runner.pending) < workers * IN_FLIGHT_PER_WORKER:
                job = next(jobs, None)
                if job is None:
                    exhausted = True
                else:
                    runner.submit(job)
            if runner.pending:
                yield from runner.collect(hard_limit)
    finally:
        runner.pool.shutdown(wait=True, cancel_futures=True)


class _Runner:
    def __init__(self, scanner: Scanner, workers: int) -> None:
        self.scanner, self.workers = scanner, workers
        self.pool = _start(scanner, workers)
        self.pending: dict[Future[ScanOutput], ScanJob] = {}
        self.started: dict[Future[ScanOutput], float] = {}
        self.suspects: set[bytes] = set()  # files in flight at a crash: one more try each

    def submit(self, job: ScanJob) -> None:
        try:
            self.pending[self.pool.submit(_scan_in_worker, job)] = job
        except BrokenProcessPool:
            self._restart()
            self.pending[self.pool.submit(_scan_in_worker, job)] = job

    def collect(self, hard_limit: float) -> Iterator[ScanOutput]:
        done, _ = wait(self.pending, timeout=1.0, return_when=FIRST_COMPLETED)
        now = time.monotonic()
        broken: list[ScanJob] = []
        for future in done:
            job = self.pending.pop(future)
            self.started.pop(future, None)
            try:
                yield future.result()
            except BrokenProcessPool:
                broken.append(job)
            except Exception as e:
                yield failed(job, f"internal error: {type(e).__name__}: {e}")
        for future in self.pending:
            if future.running():
                self.started.setdefault(future, now)
        hung = [f for f, t in self.started.items() if now - t > hard_limit and f in self.pending]
        if hung:
            for future in hung:
                job = self.pending.pop(future)
                self.started.pop(future)
                yield ScanOutput(job.ref, ScanResult(outcome=Outcome.TIMEOUT, reason=(
                    f"hard time limit of {hard_limit:g}s: worker killed")), Exposure())
            self._kill_workers()
            broken.extend(self.pending.values())
        elif broken:
            broken.extend(self.pending.values())
        if broken:
            in_flight = broken
            self.pending.clear()
            self.started.clear()
            self._restart()
            for job in in_flight:
                if job.ref.raw_path in self.suspects:
                    yield failed(job, "worker process crashed twice while this file was in flight")
                else:
                    self.suspects.add(job.ref.raw_path)
                    self.submit(job)

    def _kill_workers(self) -> None:
        # The executor has no per-task cancel; its worker processes are the only handle.
        for process in list(getattr(self.pool, "_processes", {}).values()):
            process.kill()

    def _restart(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = _start(self.scanner, self.workers)


def _start(scanner: Scanner, workers: int) -> ProcessPoolExecutor:
    # With fork the children inherit _worker and the initializer's argument is unused;
    # with spawn it is pickled (Scanner.__reduce__) and loaded once per worker.
    forked = multiprocessing.get_start_method(allow_none=False) == "fork"
    return ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                               initargs=(None if forked else scanner,))
