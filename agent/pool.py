"""Scanning many files in worker processes, in bounded memory, surviving worker crashes.

Small files travel to the workers in batches (one task for up to ``BATCH_FILES`` files
of ``BATCH_BYTES`` in all), because handing a task to a process costs about as much
as scanning a small clean file; bigger files go one per task. A batch holds fewer files
where small files take long (a roster's every row is a record): about ``TASK_SECONDS``
of work, as measured on the batches so far, so results reach the sweep as they come
and not 32 rosters at once, which it would then judge and write alone at the end.

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

from . import heap
from .pipeline import ScanJob, Scanner, ScanOutput

_Task = Future[tuple[list[ScanOutput], float]]

IN_FLIGHT_PER_WORKER = 8  # tasks queued per worker, so workers keep busy while the sweep writes
BATCH_FILES = 32
BATCH_BYTES = 1 << 20
SMALL_FILE = BATCH_BYTES // BATCH_FILES  # bigger files are a task each
FIRST_BATCH_FILES = 4  # until a batch has come back
TASK_SECONDS = 0.02  # a batch's work, once small files have shown what they cost
_COST_WEIGHT = 0.3  # of the newest batch in the running cost per small file
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
    heap.settle()  # a worker only scans; forked, it has the sweep's frozen heap already


def _scan_in_worker(batch: list[ScanJob]) -> tuple[list[ScanOutput], float]:
    """The batch's outputs, and the seconds they took."""
    assert _worker is not None, "worker started without a scanner"
    start = time.perf_counter()
    outputs = list(scan_serial(_worker, iter(batch)))
    return outputs, time.perf_counter() - start


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
                    elif job.ref.size > SMALL_FILE:
                        runner.submit([job])  # a bigger file: a task of its own
                    else:
                        batch.append(job)
                        batch_bytes += job.ref.size
                        if len(batch) >= runner.batch_size.files() or batch_bytes >= BATCH_BYTES:
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


class BatchSize:
    """How many small files make a batch: about TASK_SECONDS of work at what small files
    have cost so far (a running average), 1 to BATCH_FILES; FIRST_BATCH_FILES before any
    batch has come back, since the first files may be rosters."""

    def __init__(self) -> None:
        self.small_file_seconds: float | None = None

    def files(self) -> int:
        if self.small_file_seconds is None:
            return FIRST_BATCH_FILES
        return max(1, min(BATCH_FILES, int(TASK_SECONDS / max(self.small_file_seconds, 1e-6))))

    def learn(self, batch: list[ScanJob], seconds: float) -> None:
        """A task of ``batch`` took ``seconds`` in its worker; a bigger file's cost says
        nothing of small ones."""
        if not batch or any(job.ref.size > SMALL_FILE for job in batch):
            return
        cost = seconds / len(batch)
        seen = self.small_file_seconds
        self.small_file_seconds = cost if seen is None else seen + _COST_WEIGHT * (cost - seen)


class _Runner:
    def __init__(self, scanner: Scanner, workers: int) -> None:
        self.scanner, self.workers = scanner, workers
        self.pool = _start(scanner, workers)
        self.pending: dict[_Task, list[ScanJob]] = {}
        self.started: dict[_Task, float] = {}
        self.alone: set[_Task] = set()  # retries: the only file in flight
        self.retry: deque[ScanJob] = deque()  # in flight at a crash or a kill: tried again alone
        self.batch_size = BatchSize()

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
                outputs, seconds = future.result()
                self.batch_size.learn(batch, seconds)
                yield from outputs
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
