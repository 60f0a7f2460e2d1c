"""Unit tests of the daemon's parts: queue, handler, throttle, pause, schedule, status."""

from __future__ import annotations

import json
import os
import random
import threading
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from watchdog.events import (
    DirModifiedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)

from agent.watch.events import EnqueueHandler
from agent.watch.pending import PendingPaths
from agent.watch.schedule import Schedule
from agent.watch.status import prometheus_text, read_status, staleness, write_status
from agent.watch.throttle import PauseGate, TokenBucket, on_battery


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@given(st.lists(st.sampled_from([b"/a", b"/b", b"/c", b"/d"]), max_size=40))
def test_queue_holds_each_path_once_in_last_event_order(events):
    clock = Clock()
    q = PendingPaths(max_paths=10, settle_seconds=1.0, clock=clock)
    for i, path in enumerate(events):
        clock.now = 100.0 + i * 0.01
        assert q.add(path)
    clock.now += 5
    taken = [q.take(timeout=0) for _ in range(len(set(events)))]
    expected = sorted(set(events), key=lambda p: max(i for i, e in enumerate(events) if e == p))
    assert taken == expected
    assert q.take(timeout=0) is None


def test_queue_waits_for_settle_and_debounces():
    clock = Clock()
    q = PendingPaths(max_paths=10, settle_seconds=1.0, clock=clock)
    q.add(b"/f")
    clock.now += 0.9
    q.add(b"/f")  # still being written: the settle time starts again
    clock.now += 0.9
    assert q.take(timeout=0) is None
    clock.now += 0.2
    assert q.take(timeout=0) == b"/f"


def test_queue_bound_rejects_new_paths_but_not_known_ones():
    q = PendingPaths(max_paths=2, settle_seconds=0)
    assert q.add(b"/a") and q.add(b"/b")
    assert not q.add(b"/c")
    assert q.add(b"/a")
    assert q.close() == [b"/b", b"/a"]
    assert q.take(timeout=1) is None  # closed: never blocks


def test_close_wakes_a_waiting_worker():
    q = PendingPaths(max_paths=2, settle_seconds=0)
    got: list[bytes | None] = []
    worker = threading.Thread(target=lambda: got.append(q.take(timeout=30)))
    worker.start()
    q.close()
    worker.join(timeout=5)
    assert got == [None] and not worker.is_alive()


def test_handler_enqueues_moves_as_both_paths_and_ignores_folder_noise():
    queued: list[bytes] = []
    handler = EnqueueHandler(queued.append, ignored=lambda p: p.endswith(b".db-wal"))
    for event in (FileCreatedEvent("/t/a"), FileMovedEvent("/t/b", "/t/c"), DirModifiedEvent("/t"),
                  FileOpenedEvent("/t/a"), FileClosedEvent("/t/a"), FileCreatedEvent("/t/reg.db-wal")):
        handler.dispatch(event)
    assert queued == [b"/t/a", b"/t/b", b"/t/c", b"/t/a"]


def test_token_bucket_delays_reads_beyond_the_rate():
    clock = Clock()
    bucket = TokenBucket(1_000_000, clock=clock)
    assert bucket.delay_for(500_000) == 0
    assert bucket.delay_for(1_500_000) == 1.0  # 1 MB over budget at 1 MB/s
    clock.now += 1.0
    assert bucket.delay_for(0) == 0
    assert TokenBucket(0).delay_for(10**12) == 0  # no limit


def _supply(root: Path, name: str, kind: str, online: str | None = None) -> None:
    d = root / name
    d.mkdir(parents=True)
    (d / "type").write_text(kind + "\n")
    if online is not None:
        (d / "online").write_text(online + "\n")


def test_on_battery_from_sysfs(tmp_path):
    _supply(tmp_path, "BAT0", "Battery")
    _supply(tmp_path, "AC", "Mains", "0")
    assert on_battery(tmp_path)
    (tmp_path / "AC" / "online").write_text("1\n")
    assert not on_battery(tmp_path)
    assert not on_battery(tmp_path / "missing")


def test_pause_gate_file_and_command(tmp_path):
    flag = tmp_path / "pause"
    gate = PauseGate(str(flag), None, on_battery=False, check_seconds=0)
    assert gate.reason() is None
    flag.touch()
    assert "pause file" in (gate.reason() or "")
    assert PauseGate(None, "exit 0", False, check_seconds=0).reason() == "pause command"
    assert PauseGate(None, "exit 1", False, check_seconds=0).reason() is None


def test_pause_gate_blocks_until_cleared(tmp_path):
    flag = tmp_path / "pause"
    flag.touch()
    gate = PauseGate(str(flag), None, on_battery=False, check_seconds=0.05)
    changes: list[str | None] = []
    threading.Timer(0.3, flag.unlink).start()
    gate.wait_while_paused(threading.Event(), changes.append)
    assert changes[0] and changes[-1] is None and not flag.exists()


def test_schedule_first_start_trusts_index_then_rules_change_forces_full(tmp_path):
    state = tmp_path / "state.json"
    sched = Schedule(3600, 60, 7 * 86400, state, rng=random.Random(1))
    assert 3600 <= sched.seconds_until_walk() <= 3660
    assert sched.due("v1") is None
    sched.request("startup")
    first = sched.due("v1")
    assert first is not None and not first.full
    sched.request("SIGHUP")
    changed = sched.due("v2")
    assert changed is not None and changed.full
    sched.walked(changed, "v2")
    sched.request("x")
    again = sched.due("v2")
    assert again is not None and not again.full
    data = json.loads(state.read_text())
    data["last_full_unix"] -= 8 * 86400  # a week and a day ago
    state.write_text(json.dumps(data))
    sched.request("scheduled")
    weekly = sched.due("v2")
    assert weekly is not None and weekly.full


def test_status_file_round_trip_staleness_and_prometheus(tmp_path):
    path = tmp_path / "s" / "status.json"
    status = {"state": "running", "updated_unix": 1000.0, "status_interval_seconds": 5.0, "queue_depth": 3,
              "uptime_seconds": 9.5, "counters": {"files_scanned": 4, "observer_watch_limit": 1}}
    write_status(path, status)
    assert read_status(path) == status
    assert os.stat(path).st_mode & 0o077 == 0
    assert staleness(status, now=1010.0) is None
    assert "not updated" in (staleness(status, now=1100.0) or "")
    assert staleness({**status, "state": "stopped"}, now=1000.0) == "the agent stopped"
    text = prometheus_text(status)
    assert "pii_agent_files_scanned_total 4" in text and "pii_agent_queue_depth 3" in text
