"""structlog JSON lines with stable event names a SIEM can match. Never PII:
callers log paths, counts, ids and outcomes, never values or excerpts."""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog
from rich.console import Console

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class _ConsoleLogger:
    """Log lines printed through a rich Console, so they scroll above its progress bar
    instead of tearing it (used on a terminal when no log file is set)."""

    def __init__(self, console: Console) -> None:
        self._console = console

    def msg(self, message: str) -> None:
        self._console.print(message, markup=False, highlight=False, soft_wrap=True)

    debug = info = warning = warn = error = err = critical = exception = fatal = log = msg


def configure(log_file: str | None = None, level: str = "info", console: Console | None = None) -> None:
    """JSON lines to ``log_file``, else to ``console`` (a terminal with a live display), else stderr."""
    stream: TextIO = open(log_file, "a", encoding="utf-8", buffering=1) if log_file else sys.stderr  # noqa: SIM115
    factory: Any = structlog.PrintLoggerFactory(stream)
    if console is not None and not log_file:
        factory = lambda *_args: _ConsoleLogger(console)  # noqa: E731
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS[level]),
        logger_factory=factory,
        cache_logger_on_first_use=False,
    )


def get(name: str = "pii-agent") -> structlog.typing.FilteringBoundLogger:
    return structlog.get_logger(name)
