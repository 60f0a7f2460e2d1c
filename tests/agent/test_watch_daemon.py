"""The daemon in-process: watch-limit fallback, overflow, observer death and re-attach."""

from __future__ import annotations

import errno
import json
import logging
import threading
import time
from pathlib import Path

import pytest
from test_watch_harness import roster_bytes, wait_for
from watchdog.observers import Observer

from agent import logs
from agent.settings import Settings, ZoneRule
from agent.watch import make_sweep
from agent.watch.daemon import Daemon
from agent.watch.observers import Factories
from agent.watch.runtime import Runtime
from store import Store

pytestmark = pytest.mark.timeout(60)


class WatchLimitObserver(Observer):  # type: ignore[misc,valid-type]
    """The native observer on a machine whose inotify watches are used up."""

    def schedule(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "inotify watch limit reached")


@pytest.fixture
def no_leaked_threads():
    before = set(threading.enumerate())
    yield
    extra: set[threading.Thread] = set()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        extra = {t for t in threading.enumerate() if t not in before and t.is_alive()}
        if not extra:
            return
        time.sleep(0.1)
    pytest.fail(f"leaked threads: {sorted(t.name for t in extra)}")


class Running:
    def __init__(self, tmp: Path, settings: Settings, factories: Factories | None = None) -> None:
        self.tree, self.log = tmp / "tree", tmp / "log.jsonl"
        self.store = Store.open(f"sqlite:///{tmp / 'reg.db'}")
        logs.configure(str(self.log), "info")
        self.daemon = Daemon(Runtime(settings, make_sweep(self.store)), self.store, [str(self.tree)],
                             factories=factories)
        self.thread = threading.Thread(target=self.daemon.run, name="test-daemon")

    def __enter__(self) -> Running:
        self.thread.start()
        wait_for(lambda: self.daemon.reconciler.last_walk, 30, "the startup walk")
        return self

    def __exit__(self, *exc: object) -> None:
        self.daemon.request_stop()
        self.thread.join(timeout=30)
        self.store.close()
        logs.configure(None, "info")

    def events(self, name: str) -> list[dict]:
        lines = self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []
        return [r for r in map(json.loads, lines) if r.get("event") == name]

    def walk_reasons(self) -> list[str]:
        return [r["reason"] for r in self.events("reconcile_finished")]


def settings_for(tmp: Path, **extra) -> Settings:
    (tmp / "tree").mkdir(exist_ok=True)
    base = dict(key_file=str(tmp / "key"), status_file=str(tmp / "status.json"), status_interval_seconds=0.2,
                watch_settle_seconds=0.3, nice=0, ionice_idle=False, pause_on_battery=False)
    return Settings().with_overrides(**{**base, **extra})


def test_watch_limit_falls_back_to_polling_walks_and_reports(tmp_path, no_leaked_threads):
    settings = settings_for(tmp_path, watch_poll_seconds=0.2)
    with Running(tmp_path, settings, Factories(native=WatchLimitObserver)) as run:
        assert run.daemon.observers.kinds() == {str(run.tree): "polling"}
        assert run.events("observer_watch_limit")[0]["fallback"] == "polling"
        wait_for(lambda: "observer_watch_limit" in ", ".join(run.walk_reasons()), 15, "the fallback walk")
        roster = run.tree / "r.csv"
        roster.write_bytes(roster_bytes(seed=5))  # seen by polling, not inotify
        wait_for(lambda: run.store.open_violation_count() == 1, 15, "the violation via polling")
        status = json.loads((tmp_path / "status.json").read_text(encoding="utf-8"))
        assert status["counters"]["observer_watch_limit"] == 1
        assert status["last_error"]["event"] == "observer_watch_limit"


def test_overflow_is_logged_counted_and_answered_by_a_walk(tmp_path, no_leaked_threads):
    with Running(tmp_path, settings_for(tmp_path)) as run:
        walks = len(run.walk_reasons())
        # exactly what watchdog's inotify backend logs on IN_Q_OVERFLOW
        logging.getLogger("watchdog.observers.inotify_c").warning("Inotify queue overflowed; filesystem events were lost")
        wait_for(lambda: len(run.walk_reasons()) > walks, 15, "the walk after the overflow")
        assert "events lost" in run.walk_reasons()[-1]
        assert run.events("observer_overflow")
        assert run.daemon.counters.snapshot()["overflows"] == 1


def test_full_queue_counts_as_overflow(tmp_path, no_leaked_threads):
    settings = settings_for(tmp_path, watch_queue_max=2, watch_settle_seconds=30.0)
    with Running(tmp_path, settings) as run:
        for i in range(5):
            (run.tree / f"f{i}.txt").write_text("x", encoding="utf-8")
        wait_for(lambda: run.daemon.counters.snapshot().get("overflows"), 10, "a queue overflow")
        assert len(run.daemon.pending) == 2


def test_polled_share_that_vanishes_is_an_outage_then_reattached(tmp_path, no_leaked_threads):
    tree = tmp_path / "tree"
    settings = settings_for(tmp_path, watch_poll_seconds=0.2,
                            zones=[ZoneRule("shared", str(tree), str(tree), network=True)])
    tree.mkdir(exist_ok=True)
    (tree / "r.csv").write_bytes(roster_bytes(seed=6))
    with Running(tmp_path, settings) as run:
        assert run.daemon.observers.kinds() == {str(tree): "polling"}
        opened = run.store.open_violation_count()
        assert opened >= 1
        tree.rename(tmp_path / "away")  # the share went away
        wait_for(lambda: run.daemon.counters.snapshot().get("observer_died"), 15, "the dead observer noticed")
        assert run.daemon.observers.kinds()[str(tree)] == "none"
        (tmp_path / "away").rename(tree)  # ... and came back
        wait_for(lambda: run.daemon.counters.snapshot().get("observer_restarted"), 15, "re-attach")
        wait_for(lambda: "observer_restarted" in ", ".join(run.walk_reasons()), 15, "the walk after re-attach")
        assert run.store.open_violation_count() == opened  # an outage closed nothing


def test_broken_config_on_reload_keeps_the_old_rules_and_says_why(tmp_path, no_leaked_threads):
    from agent.settings import ConfigError

    def broken() -> Settings:
        raise ConfigError("agent.yaml: unknown setting(s): wokers")

    with Running(tmp_path, settings_for(tmp_path)) as run:
        before = run.daemon.runtime.current
        run.daemon.reload_settings = broken
        run.daemon.reload_event.set()  # what SIGHUP does
        wait_for(lambda: run.events("reload_failed"), 10, "the failed reload")
        assert run.daemon.runtime.current is before
        assert "wokers" in run.events("reload_failed")[0]["error"]
        assert run.daemon.last_error.get()["event"] == "reload_failed"
        run.daemon.reload_settings = lambda: run.daemon.runtime.settings
        run.daemon.reload_event.set()
        wait_for(lambda: run.events("rules_reloaded"), 10, "the good reload")
        assert run.daemon.runtime.generation == 1


def test_its_own_files_named_through_a_symlink_do_not_wake_it(tmp_path):
    # the watched tree is watched at its real path; the log file is configured through a link
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    settings = settings_for(tmp_path, log_file=str(tmp_path / "link" / "agent.log"))
    store = Store.open(f"sqlite:///{tmp_path / 'reg.db'}")
    try:
        daemon = Daemon(Runtime(settings, make_sweep(store)), store, [str(tmp_path / "link")])
        ignored = daemon._ignored_predicate(settings)
        assert daemon.roots == [str(tmp_path / "real")]
        assert ignored(bytes(tmp_path / "real" / "agent.log"))  # what the events say
        assert ignored(bytes(tmp_path / "link" / "agent.log"))
        assert ignored(bytes(tmp_path / "real" / ".agent.log.tmp"))
        assert not ignored(bytes(tmp_path / "real" / "roster.csv"))
    finally:
        store.close()
