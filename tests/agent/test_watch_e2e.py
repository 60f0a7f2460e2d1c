"""Issue 6's "done when": `pii-agent watch` as a real subprocess on a temporary tree."""

from __future__ import annotations

import json
import signal
import time

import pytest
from test_watch_harness import Agent, roster_bytes, wait_for, write_slowly

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def agent(tmp_path):
    a = Agent(tmp_path)
    yield a
    if a.proc is not None and a.proc.poll() is None:
        a.stop(signal.SIGKILL)


def test_slow_write_is_scanned_once_delete_closes_rename_follows(agent):
    agent.start()
    roster = agent.tree / "roster.csv"
    write_slowly(roster, roster_bytes(seed=1))
    wait_for(lambda: agent.open_violations(roster), 15, "the roster's violation")
    time.sleep(2.0)  # any second scan would happen within this
    assert len(agent.events("scan_started", roster)) == 1
    assert [p for _, p in agent.open_violations(roster)] == ["local-disk-forbidden"]

    roster.unlink()
    wait_for(lambda: not agent.open_violations(roster), 15, "the violation to close")
    assert [r for _, r in agent.closed_violations(roster)] == ["file gone"]

    folder = agent.tree / "dept"
    folder.mkdir()
    inner = folder / "list.csv"
    inner.write_bytes(roster_bytes(seed=2))
    wait_for(lambda: agent.open_violations(inner), 15, "the violation in the folder")
    moved = agent.tree / "dept-2024" / "list.csv"
    folder.rename(moved.parent)
    wait_for(lambda: agent.open_violations(moved) and not agent.open_violations(inner), 15, "paths to follow")
    assert agent.query("select present from files where path = ?", str(inner)) == [(0,)]

    assert agent.stop() == 0
    assert agent.status()["state"] == "stopped"
    assert agent.events("watch_stopped")


def test_restart_after_sigkill_mid_queue_is_consistent(agent):
    agent.start()
    files = [agent.tree / f"r{i:02}.csv" for i in range(30)]
    for i, path in enumerate(files):
        path.write_bytes(roster_bytes(seed=100 + i))
    wait_for(lambda: agent.events("scan_started"), 15, "the first scan")
    agent.stop(signal.SIGKILL)
    scanned_before = {e["path"] for e in agent.events("scan_finished")}
    assert len(scanned_before) < len(files), "not mid-queue: make the test write more files"

    agent.start()  # the startup walk finds what the killed agent never scanned
    for path in files:
        assert [p for _, p in agent.open_violations(path)] == ["local-disk-forbidden"], path
    duplicates = agent.query("select file_id, policy_id, count(*) from violations where closed_at is null "
                             "group by file_id, policy_id having count(*) > 1")
    assert duplicates == []
    assert agent.query("select count(*) from files where present = 1") == [(len(files),)]
    assert agent.stop() == 0


def test_status_command_fresh_then_stale(agent):
    import subprocess
    import sys

    from test_watch_harness import REPO

    agent.start()
    cmd = [sys.executable, "-m", "agent.cli", "status", "--config", str(agent.config)]
    fresh = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=30)
    assert fresh.returncode == 0, fresh.stderr
    assert "queue_depth" in fresh.stdout and '"native"' in fresh.stdout
    agent.stop(signal.SIGKILL)
    status = json.loads(agent.status_file.read_text(encoding="utf-8"))
    status["updated_unix"] -= 60  # as if a minute passed since the killed agent last wrote it
    agent.status_file.write_text(json.dumps(status), encoding="utf-8")
    stale = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=30)
    assert stale.returncode == 3 and "STALE" in stale.stderr


def test_broken_rules_refuse_to_start(tmp_path):
    import subprocess
    import sys

    from test_watch_harness import REPO

    rules = tmp_path / "rules"
    (rules / "policies").mkdir(parents=True)
    (rules / "detectors").mkdir()
    (rules / "policies" / "bad.yaml").write_text("id: [broken\n", encoding="utf-8")
    a = Agent(tmp_path)
    cmd = [sys.executable, "-m", "agent.cli", "watch", str(a.tree), "--db", f"sqlite:///{a.db}",
           "--config", str(a.config), "--rules", str(rules)]
    res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "rules" in res.stderr.lower()
    assert not a.status_file.exists()
