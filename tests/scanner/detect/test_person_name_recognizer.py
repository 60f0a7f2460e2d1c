"""person_name through the real engine: YAML examples, table columns, values never stored raw."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.detect import load_engine
from scanner.detect.engine import Engine
from scanner.detect.errors import RulesError
from scanner.model import Confidence, TableBlock, TextBlock
from tests.scanner.name_samples import make_test_set

RULES = Path(__file__).resolve().parents[3] / "rules"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine(RULES)  # runs every YAML example; raises on a misbehaving one


def test_yaml_examples_pass_through_the_engine(engine: Engine) -> None:
    failures = [f for f in engine.run_examples() if f.rule_id == "person_name"]
    assert failures == []


def test_roster_columns_give_one_finding_per_name_cell(engine: Engine) -> None:
    block = TableBlock(rows=[["1", "山田　太郎", "ﾔﾏﾀﾞ ﾀﾛｳ"], ["2", "鬼瓦 権蔵", "オニガワラ ゴンゾウ"]],
                       headers=["No", "氏名", "フリガナ"])
    findings = [f for f in engine.scan([block]).findings if f.detector == "person_name"]
    assert sorted(f.location for f in findings) == ["B1", "B2", "C1", "C2"]
    assert all(f.confidence >= Confidence.MEDIUM for f in findings)
    assert "山* **" in {f.masked for f in findings}


def test_findings_hold_no_raw_name(engine: Engine) -> None:
    detection = engine.scan([TextBlock("拝啓\n山田　太郎　様\n")])
    [finding] = [f for f in detection.findings if f.detector == "person_name"]
    assert "山田" not in repr(finding) and "太郎" not in repr(finding)


def test_engine_keeps_file_level_precision_and_recall(engine: Engine) -> None:
    samples = make_test_set(seed=5, per_kind=6)
    hits = [(s.has_names, any(f.detector == "person_name" and f.confidence >= Confidence.MEDIUM
                              for f in engine.scan(s.blocks).findings)) for s in samples]
    tp = sum(1 for truth, got in hits if truth and got)
    assert tp / sum(1 for truth, _ in hits if truth) >= 0.95
    assert tp / max(1, sum(1 for _, got in hits if got)) >= 0.95


def test_unknown_option_is_a_rules_error(tmp_path: Path) -> None:
    (tmp_path / "detectors").mkdir()
    text = (RULES / "detectors" / "person_name.yaml").read_text(encoding="utf-8")
    (tmp_path / "detectors" / "person_name.yaml").write_text(text.replace("min_score: 0.45", "min_scor: 0.45"),
                                                             encoding="utf-8")
    with pytest.raises(RulesError, match="person_name"):
        load_engine(tmp_path)
