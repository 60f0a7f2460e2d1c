"""The daemon's queue: distinct paths waiting to settle, bounded, coalesced per path.

Each path is held once with the time of its last event; a new event for a queued path
moves it to the back (debounce). Insertion order is therefore last-event order, so the
front of the dict is always the path that settles first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class PendingPaths:
    """Thread-safe: watchdog threads ``add``; worker threads ``take``."""

    def __init__(self, max_paths: int, settle_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_paths = max_paths
        self.settle = settle_seconds
        self._clock = clock
        self._last_event: dict[bytes, float] = {}
        self._cond = threading.Condition()
        self._closed = False

    def __len__(self) -> int:
        with self._cond:
            return len(self._last_event)

    def add(self, path: bytes) -> bool:
        """Queue (or re-debounce) ``path``. False when the queue is full: the caller
        must treat the event as lost (an overflow) and schedule a walk."""
        with self._cond:
            known = self._last_event.pop(path, None) is not None
            if not known and len(self._last_event) >= self.max_paths:
                return False
            self._last_event[path] = self._clock()
            self._cond.notify()
            return True

    def take(self, timeout: float) -> bytes | None:
        """The next path whose last event is ``settle`` seconds old, waiting up to
        ``timeout``; None on timeout or after ``close``."""
        deadline = self._clock() + timeout
        with self._cond:
            while not self._closed:
                now = self._clock()
                wait = deadline - now
                if self._last_event:
                    path, at = next(iter(self._last_event.items()))
                    if now - at >= self.settle:
                        del self._last_event[path]
                        return path
                    wait = min(wait, at + self.settle - now)
                if wait <= 0:
                    return None
                self._cond.wait(wait)
            return None

    def close(self) -> list[bytes]:
        """Wake every waiting worker; return what was still queued (left for the next
        start's reconciliation walk, which finds changed files by the store's index)."""
        with self._cond:
            self._closed = True
            left = list(self._last_event)
            self._last_event.clear()
            self._cond.notify_all()
            return left
