"""Stopping a sweep from outside: Ctrl-C (KeyboardInterrupt), and SIGTERM or SIGHUP (a closed
SSH session) as ``Terminated``."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


class Terminated(BaseException):
    """A stopping signal during a sweep. A BaseException, like KeyboardInterrupt, so that
    no ``except Exception`` on the way records it as a file's error."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(signum)
        self.signum = signum


_STOPPING = tuple(s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM (a scheduler's timeout, a shutdown) and SIGHUP (the
    terminal or SSH session went away) raise Terminated."""

    def interrupt(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    previous = {sig: signal.signal(sig, interrupt) for sig in _STOPPING}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def interruption(error: BaseException) -> str:
    """How an interrupted sweep's record names its cause."""
    if isinstance(error, KeyboardInterrupt):
        return "SIGINT"
    if isinstance(error, Terminated):
        return signal.Signals(error.signum).name
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def exit_code(error: BaseException) -> int:
    """128 + the signal, as a shell reports a process ended by it."""
    return 128 + (error.signum if isinstance(error, Terminated) else signal.SIGINT)
