"""Scanning many files in worker processes, in bounded memory, surviving worker crashes.

Small files travel to the workers in batches (one task for up to ``BATCH_FILES`` files
of ``BATCH_BYTES`` in all), because handing a task to a process costs about as much
as scanning a small clean file; bigger files go one per task.

A worker that dies (a segfault in a native parser, the OOM killer) breaks the whole
process pool: the files in flight are tried once more in a new pool, one at a time; a
file that crashes its worker again, alone, is recorded as `error`, and the sweep goes on.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from scanner.model import Exposure, Outcome, ScanResult

from .pipeline import ScanJob, Scanner, ScanOutput

IN_FLIGHT_PER_WORKER = 8  # tasks queued per worker, so workers keep busy while the sweep writes
BATCH_FILES = 32
BATCH_BYTES = 1 << 20
_worker: Scanner | None = None  # the scanner of this worker process (inherited on fork)


def _init_worker(scanner: Scanner | None) -> None:
    global _worker
    # Ctrl-C reaches the whole process group: the sweep stops its workers itself, and a
    # traceback from each worker would bury its summary. SIGTERM and SIGHUP end a worker
    # quietly (a forked worker would otherwise inherit the sweep's handler, which raises).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for stopping in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, stopping):
            signal.signal(getattr(signal, stopping), signal.SIG_DFL)
    if _worker is None:  # spawn/forkserver: the parent's scanner arrives pickled
        _worker = scanner


def _scan_in_worker(batch: list[ScanJob]) -> list[ScanOutput]:
    assert _worker is not None, "worker started without a scanner"
    return list(scan_serial(_worker, iter(batch)))


def failed(job: ScanJob, reason: str) -> ScanOutput:
    return ScanOutput(job.ref, ScanResult(outcome=Outcome.ERROR, reason=reason), Exposure())


def scan_serial(scanner: Scanner, jobs: Iterator[ScanJob]) -> Generator[ScanOutput, None, None]:
    for job in jobs:
        try:
            yield scanner.scan(job)
        except Exception as e:  # scan_file never raises by contract; this keeps a bug from ending a sweep
            yield failed(job, f"internal error: {type(e).__name__}: {e}")


def scan_parallel(scanner: Scanner, jobs: Iterator[ScanJob], workers: int,
                  hard_limit: float | None = None) -> Generator[ScanOutput, None, None]:
    """Results in completion order; at most ``IN_FLIGHT_PER_WORKER * workers`` tasks in flight.

    A crash breaks the whole pool, so every file in flight is tried again in a new one,
    one at a time, alone: a file that crashes its worker then is recorded as `error`, and
    no other file is blamed with it. A task still running after the hard limit (a native
    parser stuck where the cooperative per-file deadline cannot reach) has its workers
    killed: a file alone in its task is recorded as `timeout`, the files of a batch and of
    the other tasks are tried again one at a time.
    """
    global _worker
    _worker = scanner  # forked children inherit the loaded rules instead of loading them again
    if hard_limit is None:
        hard_limit = scanner.limits.per_file_seconds * 2 + 10
    runner = _Runner(scanner, workers)
    batch: list[ScanJob] = []
    batch_bytes = 0
    finished = False
    try:
        exhausted = False
        while runner.pending or runner.retry or not exhausted:
            if runner.retry:
                if not runner.pending:
                    runner.submit([runner.retry.popleft()], alone=True)
            else:
                while not exhausted and len(runner.pending) < workers * IN_FLIGHT_PER_WORKER:
                    job = next(jobs, None)
                    if job is None:
                        exhausted = True
                    elif job.ref.size > BATCH_BYTES // BATCH_FILES:
                        runner.submit([job])  # a bigger file: a task of its own
                    else:
                        batch.append(job)
                        batch_bytes += job.ref.size
                        if len(batch) >= BATCH_FILES or batch_bytes >= BATCH_BYTES:
                            runner.submit(batch)
                            batch, batch_bytes = [], 0
                if batch:  # the walk is slow or the queue is full: do not hold files back
                    runner.submit(batch)
                    batch, batch_bytes = [], 0
            if runner.pending:
                yield from runner.collect(hard_limit)
        finished = True
    finally:
        if not finished:  # closed early (Ctrl-C, SIGTERM, a failure): do not wait for files in flight
            runner.kill_workers()
        runner.pool.shutdown(wait=True, cancel_futures=True)


class _Runner:
    def __init__(self, scanner: Scanner, workers: int) -> None:
        self.scanner, self.workers = scanner, workers
        self.pool = _start(scanner, workers)
        self.pending: dict[Future[list[ScanOutput]], list[ScanJob]] = {}
        self.started: dict[Future[list[ScanOutput]], float] = {}
        self.alone: set[Future[list[ScanOutput]]] = set()  # retries: the only file in flight
        self.retry: deque[ScanJob] = deque()  # in flight at a crash or a kill: tried again alone

    def submit(self, batch: list[ScanJob], *, alone: bool = False) -> None:
        try:
            future = self.pool.submit(_scan_in_worker, batch)
        except BrokenProcessPool:
            self._restart()
            future = self.pool.submit(_scan_in_worker, batch)
        self.pending[future] = batch
        if alone:
            self.alone.add(future)

    def collect(self, hard_limit: float) -> Iterator[ScanOutput]:
        done, _ = wait(self.pending, timeout=1.0, return_when=FIRST_COMPLETED)
        now = time.monotonic()
        broken = False
        for future in done:
            batch = self.pending.pop(future)
            self.started.pop(future, None)
            try:
                yield from future.result()
            except BrokenProcessPool:
                broken = True
                if future in self.alone:  # its second crash, with nothing else in flight: this file
                    yield failed(batch[0], "worker process crashed on this file twice, the second time alone")
                else:
                    self.retry.extend(batch)
            except Exception as e:
                yield from (failed(job, f"internal error: {type(e).__name__}: {e}") for job in batch)
            self.alone.discard(future)
        for future in self.pending:
            if future.running():
                self.started.setdefault(future, now)
        hung = [f for f, t in self.started.items() if now - t > hard_limit and f in self.pending]
        for future in hung:
            batch = self.pending.pop(future)
            if len(batch) == 1:
                yield ScanOutput(batch[0].ref, ScanResult(outcome=Outcome.TIMEOUT, reason=(
                    f"hard time limit of {hard_limit:g}s: worker killed")), Exposure())
            else:  # which file hangs is not known yet: each is tried alone
                self.retry.extend(batch)
        if hung:
            self.kill_workers()
        if broken or hung:
            for batch in self.pending.values():
                self.retry.extend(batch)
            self.pending.clear()
            self.started.clear()
            self.alone.clear()
            self._restart()

    def kill_workers(self) -> None:
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
