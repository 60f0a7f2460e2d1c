"""What a scan reports, as the extractor tests check it."""

from __future__ import annotations

from scanner.detect import Engine
from scanner.extract import Source
from scanner.model import Confidence, ScanResult
from scanner.scan import scan_source


def scan_text_file(engine: Engine, name: str, text: str) -> ScanResult:
    """A file named ``name`` holding ``text`` in UTF-8, scanned."""
    return scan_source(Source.from_bytes(name, text.encode("utf-8")), engine)


def reported(result: ScanResult, detector: str = "pension_number") -> set[tuple[str, str]]:
    """(location, masked value) of the detector's findings at the reporting threshold (medium)."""
    return {(f.location, f.masked) for f in result.findings
            if f.detector == detector and f.confidence >= Confidence.MEDIUM}
