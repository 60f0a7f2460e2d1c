"""File-level and value-level recall/precision of name detection on generated fake files."""

from __future__ import annotations

from scanner.detect.names import NameMatch, default_finder
from scanner.detect.normalize import normalize_str
from scanner.model import TableBlock
from tests.scanner.name_samples import SampleFile, make_test_set

REPORT_SCORE = 0.5  # medium: the export's default threshold


def names_in(sample: SampleFile) -> list[NameMatch]:
    finder = default_finder()
    found: list[NameMatch] = []
    for block in sample.blocks:
        if isinstance(block, TableBlock):
            for row in block.rows:
                for header, cell in zip(block.headers, row, strict=True):
                    found += finder.find(normalize_str(cell), normalize_str(header))
        else:
            found += finder.find(normalize_str(block.text))
    return [m for m in found if m.score >= REPORT_SCORE]


def test_file_level_recall_and_precision_reach_095() -> None:
    samples = make_test_set(seed=7, per_kind=15)
    predicted = [(s, bool(names_in(s))) for s in samples]
    tp = sum(1 for s, p in predicted if p and s.has_names)
    fp = [s.kind for s, p in predicted if p and not s.has_names]
    fn = [s.kind for s, p in predicted if not p and s.has_names]
    recall, precision = tp / (tp + len(fn)), tp / (tp + len(fp))
    assert recall >= 0.95, f"missed: {fn}"
    assert precision >= 0.95, f"false positives: {fp}"


def test_value_level_recall_on_planted_names() -> None:
    samples = [s for s in make_test_set(seed=11, per_kind=10) if s.has_names]
    planted = found = extra = 0
    for sample in samples:
        values = {m.value for m in names_in(sample)}
        planted += len(sample.planted)
        found += len(sample.planted & values)
        extra += len(values - sample.planted)
    assert found / planted >= 0.95
    assert extra / max(1, found + extra) <= 0.05


def test_no_names_reported_in_minutes_full_of_place_surnames() -> None:
    minutes = [s for s in make_test_set(seed=3, per_kind=20) if s.kind == "minutes-place-names"]
    assert len(minutes) == 40
    assert [m.value for s in minutes for m in names_in(s)] == []
