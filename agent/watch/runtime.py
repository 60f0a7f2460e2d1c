"""The loaded rules and settings, per thread, replaced as a whole on reload.

Each thread that scans gets its own Sweep (its own Scanner and loaded rules), because
the detection engine is not promised to be thread-safe. A reload builds and validates
a new Sweep first; only then do threads switch to the new generation.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

from ..policy import versions
from ..settings import Settings
from ..sweep import Sweep

SweepMaker = Callable[[Settings], Sweep]


def rules_key(sweep: Sweep) -> str:
    """Detector engine version plus policy versions: a change means stored results are stale."""
    policies = ",".join(f"{k}={v}" for k, v in sorted(versions(sweep.policies).items()))
    return f"{sweep.scanner.engine.version}|{policies}"


def rules_fingerprint(folder: Path) -> str:
    """Cheap change detector for the rules folder: names, sizes and mtimes of its files."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            try:
                st = os.stat(os.path.join(dirpath, name))
            except OSError:
                continue
            digest.update(f"{dirpath}/{name}:{st.st_size}:{st.st_mtime_ns}\n".encode(errors="surrogateescape"))
    return digest.hexdigest()


class Runtime:
    def __init__(self, settings: Settings, make: SweepMaker) -> None:
        self._make = make
        self.settings = settings
        self.current = make(settings)  # built (and so validated) before anything starts
        self.generation = 0
        self._spare: Sweep | None = self.current  # handed to the first thread that asks
        self._local = threading.local()
        self._lock = threading.Lock()

    def reload(self, settings: Settings) -> Sweep:
        """Build and validate a new generation; raises (leaving the old one) when invalid."""
        fresh = self._make(settings)
        with self._lock:
            self.settings, self.current = settings, fresh
            self._spare = fresh
            self.generation += 1
        return fresh

    def for_thread(self) -> Sweep:
        cached = getattr(self._local, "sweep", None)
        if cached is not None and self._local.generation == self.generation:
            return cached
        with self._lock:
            generation, spare, settings = self.generation, self._spare, self.settings
            self._spare = None
        sweep = spare if spare is not None else self._make(settings)
        self._local.sweep, self._local.generation = sweep, generation
        return sweep

    def rules_key(self) -> str:
        return rules_key(self.current)
