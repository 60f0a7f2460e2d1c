"""The reconciliation walker: a Sweep over the roots, when due or when asked.

Events get lost (kernel queue overflow, watch limit, a dead observer, a polled share
that went away, the agent itself stopped or killed): a walk compares the tree with the
store's index, scans what changed (unchanged files cost one stat) and marks gone what
is gone. A full walk re-reads every file (weekly, or after a rules change).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

from .. import logs
from ..sweep import Sweep
from .schedule import Schedule, WalkRequest
from .status import Counters, LastError, utc_now
from .throttle import PauseGate, TokenBucket


class WalkStopped(Exception):
    """Raised from the progress hook to end a walk early at shutdown."""


class Reconciler:
    def __init__(self, roots: list[str], schedule: Schedule, sweep_for_thread: Callable[[], Sweep],
                 rules_key: Callable[[], str], stop: threading.Event, bucket: TokenBucket, gate: PauseGate,
                 counters: Counters, last_error: LastError) -> None:
        self.roots = roots
        self.schedule = schedule
        self.sweep_for_thread = sweep_for_thread
        self.rules_key = rules_key
        self.stop = stop
        self.bucket = bucket
        self.gate = gate
        self.counters = counters
        self.last_error = last_error
        self.last_walk: dict[str, Any] | None = None
        self.walking = False
        self.log = logs.get()
        self.thread = threading.Thread(target=self._loop, name="pii-agent-reconcile", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _loop(self) -> None:
        while not self.stop.is_set():
            request = self.schedule.due(self.rules_key())
            if request is not None:
                self._guarded_walk(request)
                continue
            self.schedule.wake.wait(min(self.schedule.seconds_until_walk(), 5.0))

    def _guarded_walk(self, request: WalkRequest) -> None:
        try:
            self.walk(request)
        except WalkStopped:
            self.log.info("reconcile_interrupted", reason=request.reason)
        except Exception as e:  # a walk that fails is reported and retried at the next due time
            self.counters.add("errors")
            self.last_error.set("reconcile_failed", f"{type(e).__name__}: {e}")
            self.log.error("reconcile_failed", reason=request.reason, error=f"{type(e).__name__}: {e}")
            self.schedule.walked(WalkRequest(request.reason), self.rules_key())

    def walk(self, request: WalkRequest) -> None:
        present = [r for r in self.roots if os.path.isdir(r)]
        for missing in sorted(set(self.roots) - set(present)):
            self.log.warning("root_unavailable", root=missing, during="reconcile")
        if not present:
            self.schedule.walked(WalkRequest(request.reason), self.rules_key())
            return
        sweep = self.sweep_for_thread()
        sweep.full = request.full
        self.walking = True
        started, stamp = time.monotonic(), utc_now()
        self.log.info("reconcile_started", reason=request.reason, full=request.full, roots=present)
        try:
            summary = sweep.run(present, progress=self._progress_hook())
        finally:
            self.walking = False
            sweep.full = False
        self.counters.add("reconcile_walks")
        self.counters.add("files_scanned", sum(v for k, v in summary.outcomes.items() if k not in ("unchanged", "excluded")))
        self.counters.add("violations_opened", summary.opened)
        self.counters.add("violations_closed", summary.closed)
        self.schedule.walked(request, self.rules_key())
        self.last_walk = {"started_at": stamp, "finished_at": utc_now(), "reason": request.reason,
                          "full": request.full, "sweep_id": summary.sweep_id, "outcomes": dict(summary.outcomes),
                          "seconds": round(time.monotonic() - started, 3)}
        self.log.info("reconcile_finished", reason=request.reason, full=request.full, sweep_id=summary.sweep_id,
                      opened=summary.opened, closed=summary.closed, seconds=self.last_walk["seconds"])

    def _progress_hook(self) -> Callable[[int, int], None]:
        done = {"bytes": 0}

        def progress(_files: int, nbytes: int) -> None:
            if self.stop.is_set():
                raise WalkStopped
            self.bucket.spend(nbytes - done["bytes"], self.stop)
            done["bytes"] = nbytes
            self.gate.wait_while_paused(self.stop, lambda why: None)

        return progress
