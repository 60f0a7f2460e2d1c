"""structlog JSON lines with stable event names a SIEM can match. Never PII:
callers log paths, counts, ids and outcomes, never values or excerpts. A path can hold a
number itself (a scan saved as 1234-567890_山田.pdf): every logged string has its long
digit runs masked on the way out."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
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


# A pension number (4-6, plain or split), a My Number, any run of eight digits or more: ASCII or
# full-width. Shorter runs (years, counts, ids) stay readable, and so do digits inside a
# lowercase hex digest (a rules version a SIEM matches on).
_LONG_NUMBER = re.compile(r"(?<![0-9a-f])(?:[0-9０-９]{4}[-‐‑–—―−－ーｰ 　][0-9０-９]{6}|[0-9０-９]{8,})(?![0-9a-f])")


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return _LONG_NUMBER.sub(lambda m: re.sub(r"[0-9０-９]", "#", m.group()), value)
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    return value


def mask_numbers(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    """structlog processor: long digit runs in every string of the event, masked."""
    return {key: _masked(value) for key, value in event.items()}


def configure(log_file: str | None = None, level: str = "info", console: Console | None = None) -> None:
    """JSON lines to ``log_file``, else to ``console`` (a terminal with a live display), else stderr."""
    stream: TextIO = open(log_file, "a", encoding="utf-8", buffering=1) if log_file else sys.stderr  # noqa: SIM115
    factory: Any = structlog.PrintLoggerFactory(stream)
    if console is not None and not log_file:
        factory = lambda *_args: _ConsoleLogger(console)  # noqa: E731
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.format_exc_info,
            mask_numbers,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS[level]),
        logger_factory=factory,
        cache_logger_on_first_use=False,
    )


def get(name: str = "pii-agent") -> structlog.typing.FilteringBoundLogger:
    return structlog.get_logger(name)
