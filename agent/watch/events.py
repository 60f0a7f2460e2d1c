"""watchdog handlers that only enqueue, and the detector of lost events.

A handler that raises kills its observer thread, so ``on_any_event`` does nothing but
pick the paths worth a look and add them to the queue. What happened to a path is
decided later by the worker, from ``stat``: events are hints, not truth.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from watchdog.events import (
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)

Enqueue = Callable[[bytes], None]


class EnqueueHandler(FileSystemEventHandler):
    """Turns events into queued paths. A directory's "modified" (a child changed) is
    ignored: the child's own event carries the news, and walking the parent would be waste."""

    def __init__(self, enqueue: Enqueue, ignored: Callable[[bytes], bool] = lambda _path: False) -> None:
        self._enqueue = enqueue
        self._ignored = ignored

    def on_any_event(self, event: FileSystemEvent) -> None:
        for path in _paths_of(event):
            if not self._ignored(path):
                self._enqueue(path)


def _paths_of(event: FileSystemEvent) -> list[bytes]:
    kind = event.event_type
    if kind == EVENT_TYPE_MOVED:
        return [os.fsencode(event.src_path), os.fsencode(event.dest_path)]
    if kind in (EVENT_TYPE_CREATED, EVENT_TYPE_DELETED):
        return [os.fsencode(event.src_path)]
    if kind in (EVENT_TYPE_MODIFIED, EVENT_TYPE_CLOSED) and not event.is_directory:
        return [os.fsencode(event.src_path)]
    return []  # opened, closed-no-write, directory modified


class OverflowDetector(logging.Handler):
    """watchdog reports a kernel queue overflow (IN_Q_OVERFLOW) only through its logger;
    this handler turns that record into a call, so lost events are answered by a walk."""

    WATCHDOG_LOGGER = "watchdog.observers"

    def __init__(self, on_overflow: Callable[[str], None]) -> None:
        super().__init__(level=logging.WARNING)
        self._on_overflow = on_overflow

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record from the library must not break logging
            return
        if "overflow" in message.lower():
            self._on_overflow(message)

    def install(self) -> None:
        logger = logging.getLogger(self.WATCHDOG_LOGGER)
        logger.addHandler(self)
        if logger.getEffectiveLevel() > logging.WARNING:
            logger.setLevel(logging.WARNING)

    def remove(self) -> None:
        logging.getLogger(self.WATCHDOG_LOGGER).removeHandler(self)
