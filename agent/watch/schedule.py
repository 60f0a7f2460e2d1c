"""When the next reconciliation walk and the next full re-scan are due.

The time of the last full re-scan and the rules it ran under are kept in a small state
file next to the status file, so a restart neither repeats nor forgets a weekly re-scan,
and a rules change made while the agent was stopped still triggers one.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .status import write_atomic


@dataclass(frozen=True)
class WalkRequest:
    reason: str
    full: bool = False


class Schedule:
    """Due times (monotonic) for walks; requests from other threads wake the walker."""

    def __init__(self, interval: float, jitter: float, full_interval: float,
                 state_file: Path, rng: random.Random | None = None) -> None:
        self.interval = interval
        self.jitter = jitter
        self.full_interval = full_interval
        self.state_file = state_file
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._requests: list[WalkRequest] = []
        self.wake = threading.Event()
        self.next_walk = time.monotonic() + self._next_gap()

    def _next_gap(self) -> float:
        return self.interval + self._rng.uniform(0, self.jitter)

    def request(self, reason: str, full: bool = False) -> None:
        with self._lock:
            self._requests.append(WalkRequest(reason, full))
        self.wake.set()

    def due(self, rules_key: str, now: float | None = None) -> WalkRequest | None:
        """The walk to run now (requests merged into one), or None."""
        now = time.monotonic() if now is None else now
        with self._lock:
            pending, self._requests = self._requests, []
            self.wake.clear()
        if now >= self.next_walk:
            pending.append(WalkRequest("scheduled"))
        if pending and self.full_due(rules_key):
            pending.append(WalkRequest("full re-scan due", full=True))
        if not pending:
            return None
        full = any(r.full for r in pending)
        reasons = sorted({r.reason for r in pending})
        return WalkRequest(", ".join(reasons), full)

    def walked(self, request: WalkRequest, rules_key: str) -> None:
        self.next_walk = time.monotonic() + self._next_gap()
        if request.full:
            self._save({"last_full_unix": time.time(), "rules_key": rules_key})

    def seconds_until_walk(self) -> float:
        return max(0.0, self.next_walk - time.monotonic())

    def full_due(self, rules_key: str) -> bool:
        state = self._load()
        if state is None:  # first start: record the rules, trust the store's index
            self._save({"last_full_unix": time.time(), "rules_key": rules_key})
            return False
        if state.get("rules_key") != rules_key:
            return True
        return time.time() - float(state.get("last_full_unix", 0)) >= self.full_interval

    def _load(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _save(self, state: dict[str, Any]) -> None:
        write_atomic(self.state_file, json.dumps(state) + "\n")
