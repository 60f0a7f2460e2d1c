"""Stopping a sweep from outside: Ctrl-C (KeyboardInterrupt) and SIGTERM (``Terminated``)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


class Terminated(BaseException):
    """SIGTERM during a sweep. A BaseException, like KeyboardInterrupt, so that no
    ``except Exception`` on the way records it as a file's error."""


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM (a scheduler's timeout, a shutdown) raises Terminated."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def interruption(error: BaseException) -> str:
    """How an interrupted sweep's record names its cause."""
    if isinstance(error, KeyboardInterrupt):
        return "SIGINT"
    if isinstance(error, Terminated):
        return "SIGTERM"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def exit_code(error: BaseException) -> int:
    """128 + the signal, as a shell reports a process ended by it."""
    return 128 + (signal.SIGTERM if isinstance(error, Terminated) else signal.SIGINT)
