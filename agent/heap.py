"""Garbage-collector settings for batch work: a sweep and its scan workers.

A sweep's heap is mostly long-lived (modules, rules, name dictionaries) while it makes and
drops millions of small objects (cells, findings, rows). With CPython's default thresholds
a young collection runs every 700 allocations and, every so often, a full one walks the whole
long-lived heap. On the bench that was about a tenth of the CPU of the sweep's main process
and of its workers. Freezing what is loaded takes it out of every later collection (and, as
the gc docs advise before a fork, keeps the workers from writing to its pages); a higher
young threshold makes collections rarer. Cycles are still collected: only later.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 20_000  # allocations between young collections (CPython's default: 700)
OLDER_THRESHOLD = 10  # young collections per middle one, and middle ones per full one


def settle() -> None:
    """Freeze what is alive now and make collections rarer, for the rest of the process.
    For a process that only does batch work (a scan worker)."""
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)


@contextmanager
def batch_work() -> Iterator[None]:
    """settle() for the length of the block, then the collector as it was. Call it once the
    rules are loaded and before the workers fork (they inherit the frozen heap). Not for a
    daemon that reloads its rules: frozen cycles are never collected. (No gc.collect()
    first: the little garbage of loading is not worth a full collection, 50 ms.)"""
    before = gc.get_threshold()
    settle()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
