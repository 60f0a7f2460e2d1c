"""Exceptions an extractor raises to end a file with a specific outcome.

scanner.scan maps each to its Outcome; any other exception becomes ``error`` with
its type and message as the reason (never a crash, never a silent clean).
"""

from __future__ import annotations

from .model import Outcome


class ScanStop(Exception):
    """Base: stop scanning this file (or archive member) with ``outcome``."""

    outcome: Outcome = Outcome.ERROR

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Encrypted(ScanStop):
    """Content is password-protected; ``reason`` names the method (e.g. "ooxml-agile")."""

    outcome = Outcome.ENCRYPTED


class Unsupported(ScanStop):
    outcome = Outcome.UNSUPPORTED


class LimitExceeded(ScanStop):
    """An archive or size limit; ``reason`` names the limit, e.g. "archive_max_ratio"."""

    outcome = Outcome.LIMIT_EXCEEDED


class TooLarge(ScanStop):
    outcome = Outcome.TOO_LARGE


class CorruptFile(ScanStop):
    outcome = Outcome.ERROR


class ScanTimeout(ScanStop):
    outcome = Outcome.TIMEOUT
