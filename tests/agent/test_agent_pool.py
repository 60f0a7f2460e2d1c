"""Worker processes: results for every file, and a crashing worker does not end the sweep."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from agent import pool
from agent.keys import make_hasher
from agent.pipeline import ScanJob, Scanner
from scanner.limits import ScanLimits
from scanner.model import FileRef, Outcome

PARENT = os.getpid()


def _refs(tmp_path: Path, n: int) -> list[FileRef]:
    refs = []
    for i in range(n):
        p = tmp_path / f"f{i}.txt"
        p.write_text(f"基礎年金番号 1234-56{i:04d}\n" if i % 2 else "nothing here\n", encoding="utf-8")
        st = p.stat()
        refs.append(FileRef(os.fsencode(p), st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode, os.fsencode(tmp_path)))
    return refs


def _jobs(refs):
    return iter(ScanJob(r, None) for r in refs)


def test_parallel_gives_the_same_results_as_serial(tmp_path):
    refs = _refs(tmp_path, 30)
    scanner = Scanner(None, make_hasher(b"k" * 32), ScanLimits())
    serial = {o.ref.path: (o.result.outcome, len(o.rows)) for o in pool.scan_serial(scanner, _jobs(refs))}
    parallel = {o.ref.path: (o.result.outcome, len(o.rows))
                for o in pool.scan_parallel(scanner, _jobs(refs), workers=2)}
    assert parallel == serial
    assert {v[0] for v in serial.values()} == {Outcome.CLEAN, Outcome.FINDINGS}


class _CrashOnce(Scanner):
    """Kills its own worker process on one file (a native-parser crash)."""

    def scan(self, job):
        if job.ref.path.endswith("f3.txt") and os.getpid() != PARENT:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().scan(job)


def test_a_crashing_worker_is_recorded_and_the_sweep_goes_on(tmp_path):
    refs = _refs(tmp_path, 12)
    scanner = _CrashOnce(None, make_hasher(b"k" * 32), ScanLimits())
    outs = list(pool.scan_parallel(scanner, _jobs(refs), workers=2))
    by_path = {o.ref.path: o.result for o in outs}
    assert len(outs) == len(refs) and set(by_path) == {r.path for r in refs}  # one result per file
    crashed = [p for p, r in by_path.items() if r.outcome == Outcome.ERROR]
    assert [p.rsplit("/", 1)[-1] for p in crashed] == ["f3.txt"]  # no other file blamed with it
    assert "crashed" in by_path[crashed[0]].reason
    assert all(r.outcome in (Outcome.CLEAN, Outcome.FINDINGS) for p, r in by_path.items() if p not in crashed)


def test_scanner_pickles_for_spawned_workers():
    import pickle

    scanner = Scanner(None, make_hasher(b"k" * 32), ScanLimits())
    clone = pickle.loads(pickle.dumps(scanner))
    assert clone.engine.version == scanner.engine.version
    assert clone.engine.scan_text("基礎年金番号 1234-567890").findings[0].value_hash == \
        scanner.engine.scan_text("基礎年金番号 1234-567890").findings[0].value_hash


class _HangsOnce(Scanner):
    """Never returns on one file (a native parser stuck where no deadline reaches)."""

    def scan(self, job):
        if job.ref.path.endswith("f2.txt") and os.getpid() != PARENT:
            import time

            time.sleep(600)
        return super().scan(job)


def test_a_hung_file_is_a_timeout_and_the_others_are_retried(tmp_path):
    refs = _refs(tmp_path, 8)
    scanner = _HangsOnce(None, make_hasher(b"k" * 32), ScanLimits())
    outs = list(pool.scan_parallel(scanner, _jobs(refs), workers=2, hard_limit=2.0))
    by_path = {o.ref.path: o.result for o in outs}
    assert len(outs) == len(refs) and set(by_path) == {r.path for r in refs}
    hung = next(r for p, r in by_path.items() if p.endswith("f2.txt"))
    assert hung.outcome == Outcome.TIMEOUT and "hard time limit" in hung.reason
    others = [r for p, r in by_path.items() if not p.endswith("f2.txt")]
    assert all(r.outcome in (Outcome.CLEAN, Outcome.FINDINGS) for r in others)  # retried, not lost


def _small_jobs(n: int, size: int = 1000) -> list[ScanJob]:
    return [ScanJob(FileRef(b"/s/f%d" % i, size, 0, i, 0o100644, b"/s"), None) for i in range(n)]


def test_batches_start_small_then_hold_about_a_task_of_work():
    sizing = pool.BatchSize()
    assert sizing.files() == pool.FIRST_BATCH_FILES  # nothing known: the first files may be rosters
    sizing.learn(_small_jobs(4), 4 * 0.0002)  # clean memos: 0.2 ms each
    assert sizing.files() == pool.BATCH_FILES
    for _ in range(20):
        sizing.learn(_small_jobs(4), 4 * 0.02)  # rosters now: 20 ms each
    assert sizing.files() == 1
    for _ in range(20):
        sizing.learn(_small_jobs(2), 2 * 0.004)
    assert 4 <= sizing.files() <= 5  # 20 ms of 4 ms files, give or take the running average


def test_a_big_file_says_nothing_of_what_small_files_cost():
    sizing = pool.BatchSize()
    sizing.learn(_small_jobs(1, size=pool.SMALL_FILE + 1), 30.0)
    sizing.learn([], 1.0)
    assert sizing.files() == pool.FIRST_BATCH_FILES


class _SlowFiles(Scanner):
    """Takes 30 ms a file, as a roster does."""

    def scan(self, job):
        import time

        time.sleep(0.03)
        return super().scan(job)


def test_slow_small_files_go_to_the_workers_one_or_two_at_a_time(tmp_path, monkeypatch):
    sizes: list[int] = []
    submit = pool._Runner.submit

    def recording(self, batch, *, alone=False):
        sizes.append(len(batch))
        submit(self, batch, alone=alone)

    monkeypatch.setattr(pool._Runner, "submit", recording)
    refs = _refs(tmp_path, 100)  # more than the first tasks hold: 16 in flight of 4 files
    outs = list(pool.scan_parallel(_SlowFiles(None, make_hasher(b"k" * 32), ScanLimits()), _jobs(refs), workers=2))
    assert sorted(o.ref.path for o in outs) == sorted(r.path for r in refs)
    assert max(sizes) == pool.FIRST_BATCH_FILES  # before any came back
    assert sizes[-5:] == [1] * 5  # 30 ms a file is more than a task's work


def test_an_output_crosses_to_the_sweep_with_its_rows(tmp_path):
    import pickle

    from store.records import FindingRow

    scanner = Scanner(None, make_hasher(b"k" * 32), ScanLimits())
    out = scanner.scan(next(_jobs(_refs(tmp_path, 2)[1:])))
    assert out.rows and out.result.findings == []  # moved into rows in the worker
    back = pickle.loads(pickle.dumps(out))
    assert back.rows == out.rows and all(type(row) is FindingRow for row in back.rows)
    assert back.rows[0].detector == "pension_number" and back.ref == out.ref and back.result == out.result
    assert back.exposure == out.exposure and back.exposure.readers


def test_scan_records_rebuild_from_their_fields_when_pickled():
    import pickle

    from scanner.model import Exposure, FileRef, PartNote, ScanResult

    ref = FileRef(b"/s/\xff.csv", 10, 20, 30, 0o100644, b"/s", zone="shared")
    result = ScanResult(Outcome.FINDINGS, "r", [], True, "zip-aes", "zip", 3,
                        [PartNote("a.csv", Outcome.ENCRYPTED, "x", encrypted=True)], 99)
    exposure = Exposure("user:a", ["user:a", "others"], ["others"], {"mode": "0644"})
    for thing in (ref, result, exposure):
        assert pickle.loads(pickle.dumps(thing)) == thing
