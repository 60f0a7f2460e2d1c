"""The agent daemon (`pii-agent watch`): watch roots, scan changes, reconcile, stay out of the way."""

from __future__ import annotations

from typing import Any

from ..settings import Settings
from ..sweep import Sweep


def make_sweep(store: Any, journal: Any = None) -> Any:
    """A Sweep factory for the daemon: one scanning process (the daemon stays small; its
    threads, not a process pool, give it parallelism), reconciliation walks as kind 'sweep'.
    ``journal`` (a ScanJournal) records which file each thread reads, so a file that
    crashes the process is not read again after the restart."""

    def make(settings: Settings) -> Sweep:
        sweep = Sweep(settings.with_overrides(workers=1), store, kind="sweep")
        sweep.scanner.journal = journal
        return sweep

    return make


def watch_roots(paths: tuple[str, ...], settings: Settings) -> list[str]:
    """The paths given, or else every zone rule's path that is not a glob."""
    if paths:
        return list(paths)
    return [z.path for z in settings.zones if not set("*?[") & set(z.path)]
