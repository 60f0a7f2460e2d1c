"""A sweep stopped by Ctrl-C or SIGTERM keeps what it scanned, closes nothing (a file it did
not reach is not a file that is gone), ends its record as interrupted, and exits 128 + signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from agent import fakedata as fake
from agent.attest import verify_sweeps
from agent.cli import main
from agent.interrupts import Terminated
from agent.keys import load_or_create_key
from store import Store
from store.reports import recent_sweeps


def _roster(path: Path, seed: int) -> None:
    rows = fake.roster_rows(fake.people(3, seed=seed))
    path.write_bytes("\r\n".join(",".join(r) for r in rows).encode("cp932"))


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Any]:
    share = tmp_path / "share"
    share.mkdir()
    for n in range(3):
        _roster(share / f"roster{n}.csv", seed=n)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"key_file: {tmp_path / 'key'}\nlog_file: {tmp_path / 'log.jsonl'}\nworkers: 1\n",
                   encoding="utf-8")
    return {"share": share, "cfg": cfg, "key": tmp_path / "key", "log": tmp_path / "log.jsonl"}


def _sweeps(db_url: str) -> list[dict[str, Any]]:
    store = Store.open(db_url)
    try:
        with Session(store.engine) as session:
            return recent_sweeps(session)
    finally:
        store.close()


def test_sigterm_mid_sweep_records_what_was_scanned_and_closes_nothing(
        db_url: str, tree: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    import agent.sweep

    runner = CliRunner()
    sweep = ["sweep", str(tree["share"]), "--db", db_url, "--config", str(tree["cfg"])]
    first = runner.invoke(main, sweep)
    assert first.exit_code == 1 and "3 open" in first.output, first.output

    (tree["share"] / "roster0.csv").unlink()  # gone: only a sweep that runs to the end may say so
    for n in range(4):
        (tree["share"] / f"memo{n}.txt").write_text("会議の議事録です。\n", encoding="utf-8")
    real_chunks, real_store = agent.sweep._chunks, agent.sweep.Sweep.store_batch
    calls: list[int] = []

    def one_file_chunks(items: Iterator[Any], size: int, seconds: float, pending: list[Any]) -> Iterator[list[Any]]:
        return real_chunks(items, 1, seconds, pending)

    def store_then_terminate(self: Any, *args: Any) -> None:
        calls.append(1)
        if len(calls) == 3:  # in the third chunk's write: its file is still pending
            raise Terminated
        real_store(self, *args)

    monkeypatch.setattr(agent.sweep, "_chunks", one_file_chunks)
    monkeypatch.setattr(agent.sweep.Sweep, "store_batch", store_then_terminate)
    stopped = runner.invoke(main, sweep)
    assert stopped.exit_code == 128 + signal.SIGTERM, stopped.output
    assert "INTERRUPTED (SIGTERM)" in stopped.output and "3 open" in stopped.output, stopped.output
    newest = _sweeps(db_url)[0]
    assert newest["ended"] == "interrupted: SIGTERM" and newest["signed"]
    assert newest["files"] == 3  # two chunks written before the signal, the third after it
    store = Store.open(db_url)
    try:
        [check] = verify_sweeps(store, load_or_create_key(tree["key"]), newest["id"])
    finally:
        store.close()
    assert check.ok and "interrupted (SIGTERM)" in check.detail

    monkeypatch.undo()
    finished = runner.invoke(main, sweep)
    assert finished.exit_code == 1 and "1 closed" in finished.output and "2 open" in finished.output, finished.output
    assert _sweeps(db_url)[0]["ended"] == "complete"


# The sweep runs in a child whose every file scan sleeps a little (forked workers inherit
# the patch), so a signal is sure to arrive mid-sweep.
_SLOW_SWEEP = textwrap.dedent("""
    import sys, time
    import agent.pipeline as pipeline
    real = pipeline.scan_file
    def slow(*args, **kwargs):
        time.sleep(0.05)
        return real(*args, **kwargs)
    pipeline.scan_file = slow
    from agent.cli import main
    sys.argv[0] = "pii-agent"
    main()
""")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_the_process_group_stops_the_sweep_and_its_workers_cleanly(
        sig: signal.Signals, tree: dict[str, Any], tmp_path: Path) -> None:
    for n in range(300):
        (tree["share"] / f"memo{n:03d}.txt").write_text(f"会議の議事録 {n}\n", encoding="utf-8")
    db = tmp_path / "reg.db"
    project = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_SWEEP, "sweep", str(tree["share"]), "--db", f"sqlite:///{db}",
         "--config", str(tree["cfg"]), "--workers", "2", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(project)}, cwd=project)
    deadline = time.monotonic() + 60
    while "sweep_started" not in (tree["log"].read_text() if tree["log"].exists() else ""):
        assert child.poll() is None and time.monotonic() < deadline, "the sweep never started"
        time.sleep(0.05)
    # Workers take small files 32 at a time: 1.6 s a batch here, 7.5 s for all of them.
    time.sleep(2.5)
    os.killpg(child.pid, sig)  # what Ctrl-C in a terminal, or systemd stopping a unit, does
    out, err = child.communicate(timeout=60)
    assert child.returncode == 128 + sig, (out, err)
    assert f"INTERRUPTED ({sig.name})" in out, out
    assert "Traceback" not in err, err  # neither the sweep nor a worker dies with a stack trace
    newest = _sweeps(f"sqlite:///{db}")[0]
    assert newest["ended"] == f"interrupted: {sig.name}"
    assert 0 < newest["files"] < 303  # the finished batches, not the rest


def test_a_failing_register_write_exits_4_not_the_violations_code(
        tree: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import agent.sweep

    def disk_full(self: Any, *args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(agent.sweep.Sweep, "store_batch", disk_full)
    db = f"sqlite:///{tmp_path / 'reg.db'}"
    result = CliRunner().invoke(main, ["sweep", str(tree["share"]), "--db", db, "--config", str(tree["cfg"])])
    assert result.exit_code == 4, result.output  # 1 would tell a scheduler "violations found"
    assert "failed: OSError" in result.output
    assert _sweeps(db)[0]["ended"] == "interrupted: OSError: [Errno 28] No space left on device"


def test_any_command_failing_unexpectedly_exits_4(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Store, "export_files", lambda *a, **k: 1 / 0)
    result = CliRunner().invoke(main, ["findings", "--db", f"sqlite:///{tmp_path / 'reg.db'}"])
    assert result.exit_code == 4 and "failed: ZeroDivisionError" in result.output, result.output
