"""`pii-agent watch`: observers feed a queue, workers scan, a walker reconciles.

Threads: watchdog's (one observer per root, handlers only enqueue), ``watch_workers``
scan workers, one reconciliation walker, and the caller's thread, which supervises:
every ``status_interval_seconds`` it restarts dead observers, notices a changed rules
folder, handles SIGHUP and writes the status file. SIGTERM/SIGINT stop it: observers
stop, the paths still queued are left (the next start's reconciliation walk finds
them from the store's index), workers finish the file in hand, the database is closed
by the caller.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanner.model import Exposure, FileRef, Outcome, ScanResult, display_path

from .. import logs
from ..pipeline import ScanOutput
from ..settings import Settings
from ..sweep import SweepSummary
from ..zones import ZoneMap, canonical
from .events import EnqueueHandler, OverflowDetector
from .journal import ScanJournal
from .observers import Factories, ObserverSet
from .pending import PendingPaths
from .reconcile import Reconciler
from .runtime import Runtime, rules_fingerprint
from .schedule import Schedule
from .status import (
    Counters,
    LastError,
    default_status_file,
    prometheus_text,
    utc_now,
    write_atomic,
    write_status,
)
from .throttle import PauseGate, TokenBucket, lower_priority
from .work import PathWork, WorkContext

SettingsLoader = Callable[[], Settings]


class Daemon:
    def __init__(self, runtime: Runtime, store: Any, roots: list[str], *, reload_settings: SettingsLoader | None = None,
                 factories: Factories | None = None, journal: ScanJournal | None = None) -> None:
        s = runtime.settings
        self.runtime, self.store, self.reload_settings = runtime, store, reload_settings
        self.journal = journal
        self.roots = [canonical(r) for r in roots]
        self.log = logs.get()
        self.stop_event, self.reload_event = threading.Event(), threading.Event()
        self.counters, self.last_error = Counters(), LastError()
        self.status_file = Path(s.status_file) if s.status_file else default_status_file()
        self.pending = PendingPaths(s.watch_queue_max, s.watch_settle_seconds)
        self.bucket = TokenBucket(s.read_rate_mb * 1_000_000)
        self.gate = PauseGate(s.pause_file, s.pause_command, s.pause_on_battery)
        self.schedule = Schedule(s.reconcile_interval_seconds, s.reconcile_jitter_seconds,
                                 s.full_rescan_interval_seconds, self.status_file.with_name("watch-state.json"))
        zones = ZoneMap(s.zones, s.default_zone)
        handler = EnqueueHandler(self.enqueue, self._ignored_predicate(s))
        self.observers = ObserverSet([(r, zones.match(r).network) for r in self.roots], handler,
                                     s.watch_poll_seconds, self.on_observer_trouble, factories)
        self.overflow = OverflowDetector(self.on_overflow)
        self.reconciler = Reconciler(self.roots, self.schedule, runtime.for_thread, runtime.rules_key,
                                     self.stop_event, self.bucket, self.gate, self.counters, self.last_error)
        self.workers: list[threading.Thread] = []
        self.started = time.monotonic()
        self.started_at = utc_now()
        self.session_id = 0
        self.state = "starting"
        self.paused: str | None = None
        self._rules_print = ""

    # -- called from watchdog threads: cheap, never raise ---------------------

    def enqueue(self, path: bytes) -> None:
        self.counters.add("events")
        if not self.pending.add(path):
            self.on_overflow("queue full")

    def on_overflow(self, why: str) -> None:
        self.counters.add("overflows")
        self.last_error.set("observer_overflow", why)
        self.log.warning("observer_overflow", reason=why, answer="reconciliation walk")
        self.schedule.request("events lost")

    def on_observer_trouble(self, event: str, root: str, details: dict[str, object]) -> None:
        self.counters.add(event)
        if event != "observer_restarted":
            self.last_error.set(event, f"{root}: {details}")
        level = self.log.info if event == "observer_restarted" else self.log.warning
        level(event, root=root, **details)
        self.schedule.request(event)

    # -- lifecycle -------------------------------------------------------------

    def run(self) -> int:
        """Run until stopped (signal or ``request_stop``); returns the exit code."""
        self._install_signals()
        s = self.runtime.settings
        lower_priority(s.nice, s.ionice_idle)
        self.session_id = self.store.begin_sweep(host=s.host_name, roots=self.roots, kind="watch",
                                                 rules_version=self.runtime.current.scanner.engine.version,
                                                 policy_versions=_policy_versions(self.runtime))
        self.log.info("watch_started", sweep_id=self.session_id, roots=self.roots, pid=os.getpid())
        self._record_crashes()
        self.overflow.install()
        try:
            self._start_threads()
            self.state = "running"
            self._supervise()
        finally:
            self._shutdown()
        return 0

    def _record_crashes(self) -> None:
        """Files earlier processes died reading twice: recorded as unsupported, not read
        again until they change, so one bad file cannot crash the agent for ever."""
        if self.journal is None:
            return
        sweep = self.runtime.current
        for left in self.journal.quarantine():
            try:
                st = os.lstat(left.raw_path)
            except OSError:
                continue  # gone: nothing to protect against
            if (st.st_size, st.st_mtime_ns, st.st_ino) != (left.size, left.mtime_ns, left.inode):
                continue  # changed since: worth reading again
            root = next((os.fsencode(r) for r in self.roots
                         if left.raw_path.startswith(os.fsencode(r).rstrip(b"/") + b"/")), left.raw_path)
            ref = FileRef(left.raw_path, st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode, root,
                          sweep.zones.zone_for(left.raw_path))
            reason = ("the agent process died twice while reading this file (a crash in a native parser?); "
                      "not read again until it changes")
            out = ScanOutput(ref, ScanResult(outcome=Outcome.UNSUPPORTED, reason=reason), Exposure())
            sweep.record(self.session_id, out, SweepSummary())
            self.counters.add("scan_crashes")
            self.log.error("scan_crashed", path=ref.path, action="recorded as unsupported until it changes")

    def request_stop(self) -> None:
        self.stop_event.set()
        self.schedule.wake.set()

    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.request_stop())
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, lambda *_: self.reload_event.set())

    def _start_threads(self) -> None:
        self.observers.start()
        ctx = WorkContext(self.session_id, [os.fsencode(r) for r in self.roots], self.pending.settle,
                          self.pending.add, self.bucket, self.stop_event, self.counters)
        for n in range(max(1, self.runtime.settings.watch_workers)):
            thread = threading.Thread(target=self._work_loop, args=(PathWork(ctx),), name=f"pii-agent-worker-{n}",
                                      daemon=True)
            thread.start()
            self.workers.append(thread)
        self.schedule.request("startup")  # finds what changed while the agent was not running
        self.reconciler.start()

    def _supervise(self) -> None:
        interval = self.runtime.settings.status_interval_seconds
        self._rules_print = self._fingerprint()
        while not self.stop_event.is_set():
            self.observers.check()
            self._maybe_reload()
            self.write_status()
            self.stop_event.wait(interval)

    def _shutdown(self) -> None:
        self.state = "stopping"
        self.request_stop()
        self.observers.stop()
        left = self.pending.close()
        self.log.info("watch_stopping", pending_left=len(left),
                      note="left for the next start's reconciliation walk")
        for thread in [*self.workers, self.reconciler.thread]:
            if thread.is_alive():
                thread.join(timeout=30)
        self.overflow.remove()
        if self.session_id:
            self.store.finish_sweep(self.session_id, counts=self.counters.snapshot())
        self.state = "stopped"
        self.write_status()
        self.log.info("watch_stopped", sweep_id=self.session_id, counters=self.counters.snapshot())

    # -- workers -----------------------------------------------------------------

    def _work_loop(self, work: PathWork) -> None:
        while not self.stop_event.is_set():
            raw = self.pending.take(timeout=1.0)
            if raw is None:
                continue
            self.gate.wait_while_paused(self.stop_event, self._on_pause)
            if self.stop_event.is_set():
                return
            try:
                self.counters.add("paths_" + work.handle(self.runtime.for_thread(), raw).replace(" ", "_"))
            except Exception as e:  # one bad path must not end the worker; the next walk retries it
                self.counters.add("errors")
                self.last_error.set("worker_error", f"{display_path(raw)}: {type(e).__name__}")
                self.log.error("worker_error", path=display_path(raw), error=f"{type(e).__name__}: {e}")

    def _on_pause(self, why: str | None) -> None:
        if why != self.paused:
            self.log.info("scan_paused" if why else "scan_resumed", reason=why or self.paused)
            self.paused = why

    # -- reload ------------------------------------------------------------------

    def _fingerprint(self) -> str:
        from ..sweep import _default_rules

        folder = self.runtime.settings.rules_dir
        return rules_fingerprint(Path(folder) if folder else _default_rules())

    def _maybe_reload(self) -> None:
        fingerprint = self._fingerprint()
        if fingerprint != self._rules_print:
            self._rules_print = fingerprint
            self.reload("rules folder changed")
        if self.reload_event.is_set():
            self.reload_event.clear()
            self.reload("SIGHUP")

    def reload(self, why: str) -> None:
        from .reload import apply_reload

        apply_reload(self, why)

    # -- status ------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        s = self.runtime.settings
        return {
            "pid": os.getpid(), "host": s.host_name, "state": self.state, "paused": self.paused,
            "started_at": self.started_at, "updated_at": utc_now(), "updated_unix": time.time(),
            "uptime_seconds": round(time.monotonic() - self.started, 1),
            "status_interval_seconds": s.status_interval_seconds,
            "queue_depth": len(self.pending), "walking": self.reconciler.walking,
            "last_walk": self.reconciler.last_walk, "next_walk_in_seconds": round(self.schedule.seconds_until_walk()),
            "last_error": self.last_error.get(), "observers": self.observers.kinds(),
            "rules_version": self.runtime.rules_key(), "watch_sweep_id": self.session_id,
            "counters": self.counters.snapshot(),
        }

    def write_status(self) -> None:
        status = self.status()
        try:
            write_status(self.status_file, status)
            metrics = self.runtime.settings.metrics_file
            if metrics:
                write_atomic(Path(metrics), prometheus_text(status))
        except OSError as e:
            self.log.error("status_write_failed", path=str(self.status_file), error=str(e))

    def _ignored_predicate(self, s: Settings) -> Callable[[bytes], bool]:
        """The agent's own files (database, journal, log, status) must not wake it up."""
        own = {self.status_file, self.status_file.with_name("watch-state.json")}
        for name in (s.log_file, s.metrics_file, s.key_file):
            if name:
                own.add(Path(name))
        db = _sqlite_path(s.db_url)
        if db is not None:
            own |= {db, *(db.with_name(db.name + suffix) for suffix in ("-wal", "-shm", "-journal"))}
        # Both spellings: events come under the watched roots' real paths (zones.canonical).
        spelled = [(folder(str(p.parent)), p.name) for p in own for folder in (os.path.abspath, canonical)]
        exact = {os.fsencode(os.path.join(parent, name)) for parent, name in spelled}
        temp_prefixes = tuple(os.fsencode(os.path.join(parent, "." + name)) for parent, name in spelled)
        return lambda path: path in exact or path.startswith(temp_prefixes)


def _policy_versions(runtime: Runtime) -> dict[str, str]:
    from ..policy import versions

    return versions(runtime.current.policies)


def _sqlite_path(url: str | None) -> Path | None:
    from store.engine import default_db_url, sqlite_file

    try:
        return sqlite_file(url or default_db_url())
    except Exception:  # not a URL SQLAlchemy can parse: nothing of ours to ignore
        return None
