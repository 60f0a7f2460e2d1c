"""Scanning many files in worker processes, in bounded memory, surviving worker crashes.

A worker that dies (a segfault in a native parser, the OOM killer) breaks the whole
process pool: the files it had in flight are recorded as `error` with that reason,
a new pool is started, and the sweep goes on.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from scanner.model import Exposure, Outcome, ScanResult

from .pipeline import ScanJob, Scanner, ScanOutput

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


def scan_parallel(scanner: Scanner, jobs: Iterator[ScanJob], workers: int) -> Iterator[ScanOutput]:
    """Results in completion order; at most ``4 * workers`` files in flight."""
    global _worker
    _worker = scanner  # forked children inherit the loaded rules instead of loading them again
    window = workers * 4
    pending: dict[Future[ScanOutput], ScanJob] = {}
    pool = _start(scanner, workers)
    try:
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < window:
                job = next(jobs, None)
                if job is None:
                    exhausted = True
                    break
                try:
                    pending[pool.submit(_scan_in_worker, job)] = job
                except BrokenProcessPool:
                    yield failed(job, "worker process crashed")
                    pool = _restart(pool, scanner, workers)
            if not pending:
                continue
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                job = pending.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    broken = True
                    yield failed(job, "worker process crashed while scanning this file or one beside it")
                except Exception as e:
                    yield failed(job, f"internal error: {type(e).__name__}: {e}")
            if broken:
                for job in pending.values():
                    yield failed(job, "worker process crashed while scanning this file or one beside it")
                pending.clear()
                pool = _restart(pool, scanner, workers)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start(scanner: Scanner, workers: int) -> ProcessPoolExecutor:
    # With fork the children inherit _worker and the initializer's argument is unused;
    # with spawn it is pickled (Scanner.__reduce__) and loaded once per worker.
    forked = multiprocessing.get_start_method(allow_none=False) == "fork"
    return ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                               initargs=(None if forked else scanner,))


def _restart(pool: ProcessPoolExecutor, scanner: Scanner, workers: int) -> ProcessPoolExecutor:
    pool.shutdown(wait=False, cancel_futures=True)
    return _start(scanner, workers)
