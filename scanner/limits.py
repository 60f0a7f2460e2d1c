"""Limits the scanner obeys. The agent's settings fill these in; defaults are safe."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .errors import ScanTimeout


@dataclass(frozen=True, slots=True)
class ScanLimits:
    max_file_bytes: int = 512 * 1024 * 1024  # a file over this is too_large (not opened)
    per_file_seconds: float = 120.0  # a file still scanning after this is timeout
    archive_max_total_bytes: int = 1024 * 1024 * 1024  # uncompressed bytes over all members
    archive_max_members: int = 10_000
    archive_max_depth: int = 4  # nesting: outer.zip!inner.zip is depth 2
    archive_max_ratio: float = 250.0  # uncompressed / compressed per member
    max_cells: int = 5_000_000  # cells per workbook
    text_chunk_chars: int = 1 << 20  # text is scanned in chunks of about this many characters


@dataclass(slots=True)
class Deadline:
    """A per-file time budget; extractors call ``check()`` in their loops."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def check(self) -> None:
        if time.monotonic() - self.started > self.seconds:
            raise ScanTimeout(f"per-file time limit of {self.seconds:g}s exceeded")
