"""One watchdog observer per root, kept alive.

A root gets the platform's native observer (inotify, ReadDirectoryChangesW, FSEvents),
or a polling observer when its zone rule says ``network: true`` (shares send no events
to a client). When the native observer cannot be started, because the inotify watch
limit is reached (ENOSPC) or for another OS error, the root falls back to polling. A
dead observer (thread died, polled root vanished) is noticed by ``check`` and restarted
once its root exists again; every such turn is reported so the daemon can walk.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

ObserverFactory = Callable[[], BaseObserver]
# (event name, root, details) -> None; the daemon logs, counts and walks.
Report = Callable[[str, str, dict[str, object]], None]

WATCH_LIMIT_ERRNOS = {errno.ENOSPC, errno.EMFILE}


@dataclass
class Factories:
    native: ObserverFactory = Observer
    polling: Callable[[float], BaseObserver] = field(default=lambda interval: PollingObserver(timeout=interval))


@dataclass
class RootWatch:
    root: str
    network: bool
    observer: BaseObserver | None = None
    kind: str = "none"  # native / polling / none (root unavailable)
    forced_polling: bool = False  # the native observer failed: stay on polling

    def alive(self) -> bool:
        obs = self.observer
        return obs is not None and obs.is_alive() and bool(obs.emitters) and all(
            e.is_alive() for e in obs.emitters)


class ObserverSet:
    def __init__(self, roots: list[tuple[str, bool]], handler: FileSystemEventHandler, poll_seconds: float,
                 report: Report, factories: Factories | None = None) -> None:
        self.watches = [RootWatch(root, network) for root, network in roots]
        self.handler = handler
        self.poll_seconds = poll_seconds
        self.report = report
        self.factories = factories or Factories()

    def start(self) -> None:
        for watch in self.watches:
            self._attach(watch)

    def kinds(self) -> dict[str, str]:
        return {w.root: w.kind for w in self.watches}

    def check(self) -> list[str]:
        """Restart dead observers whose root exists; returns the roots (re)attached."""
        attached = []
        for watch in self.watches:
            if watch.alive():
                continue
            if watch.observer is not None:
                died = watch.kind
                self._stop(watch)
                watch.kind = "none"  # before the report: whoever reads the counter sees the state
                self.report("observer_died", watch.root, {"kind": died})
            if self._attach(watch):
                self.report("observer_restarted", watch.root, {"kind": watch.kind})
                attached.append(watch.root)
        return attached

    def stop(self) -> None:
        for watch in self.watches:
            self._stop(watch)

    def _attach(self, watch: RootWatch) -> bool:
        if not os.path.isdir(watch.root):  # a share that is away: re-attached by check()
            watch.kind = "none"
            return False
        if not (watch.network or watch.forced_polling):
            try:
                watch.observer = self._started(self.factories.native(), watch.root)
                watch.kind = "native"
                return True
            except OSError as e:
                event = "observer_watch_limit" if e.errno in WATCH_LIMIT_ERRNOS else "observer_failed"
                self.report(event, watch.root, {"error": f"{e.strerror or e}", "fallback": "polling"})
                watch.forced_polling = True
        try:
            watch.observer = self._started(self.factories.polling(self.poll_seconds), watch.root)
        except OSError as e:
            self.report("observer_failed", watch.root, {"error": f"{e.strerror or e}", "fallback": "walks only"})
            watch.kind = "none"
            return False
        watch.kind = "polling"
        return True

    def _started(self, observer: BaseObserver, root: str) -> BaseObserver:
        try:
            observer.schedule(self.handler, root, recursive=True)
            observer.start()
        except BaseException:
            _quiet_stop(observer)
            raise
        return observer

    def _stop(self, watch: RootWatch) -> None:
        if watch.observer is not None:
            _quiet_stop(watch.observer)
            watch.observer = None


def _quiet_stop(observer: BaseObserver) -> None:
    try:
        observer.stop()
        if observer.is_alive():
            observer.join(timeout=10)
    except (OSError, RuntimeError):  # never started, or its resources are already gone
        pass
