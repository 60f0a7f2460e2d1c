"""Person records: a pension number with a name or birth date in the same row or text window.

Uses a tiny fake ``person_name`` recognizer, so these tests pin the engine's record logic
independently of the real name dictionaries.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import scanner.detect.finders as finders
import scanner.detect.recognizers as recognizers
from rules import default_rules_dir
from scanner.detect import Engine, load_engine
from scanner.detect.normalize import NormalizedText
from scanner.detect.recognizers import Candidate
from scanner.model import Confidence, TableBlock, TextBlock

NAMES = re.compile("山田太郎|鈴木花子|佐藤健")
FAKE_RULE = """\
id: person_name
kind: recognizer
recognizer: fake_person
anchors: [様, 氏名]
mask: {keep_first: 1}
examples:
  positive: [{text: "山田太郎様", min_confidence: medium}]
  negative: [{text: "会議室", max_confidence: none}]
"""


class FakePerson:
    calls = 0

    def __init__(self, rule: Mapping[str, Any], rules_dir: Path) -> None:
        assert rule["id"] == "person_name" and rules_dir.is_dir()

    def find(self, text: NormalizedText, header: str | None) -> Iterator[Candidate]:
        FakePerson.calls += 1
        for m in NAMES.finditer(text.text):
            score = 0.7 if (header and "氏名" in header) or text.text[m.end():m.end() + 1] == "様" else 0.45
            yield Candidate(m.start(), m.end(), m.group(), score, ("fake",))


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    found = {"fake_person": FakePerson}
    monkeypatch.setattr(recognizers, "available", lambda: found)
    monkeypatch.setattr(finders, "available", lambda: found)
    detectors = tmp_path / "detectors"
    detectors.mkdir()
    for name in ("pension_number", "birth_date", "my_number"):
        shutil.copy(default_rules_dir() / "detectors" / f"{name}.yaml", detectors)
    (detectors / "person_name.yaml").write_text(FAKE_RULE, encoding="utf-8")
    return load_engine(tmp_path)


def _pension(detection: Any) -> list[Any]:
    return [f for f in detection.findings if f.detector == "pension_number"]


def test_detect_records_number_column_with_name_and_birth_date_is_a_pension_record(engine: Engine) -> None:
    rows = [["1", "山田太郎", "1234567890", "S45.1.1"], ["2", "鈴木花子", "2345678901", "S50.2.3"]]
    block = TableBlock(rows=rows, headers=["No", "氏名", "番号", "生年月日"], where="Sheet1", first_row=2)
    detection = engine.scan([block])
    found = _pension(detection)
    assert [f.location for f in found] == ["Sheet1!C2", "Sheet1!C3"]
    assert all(f.confidence == Confidence.MEDIUM for f in found)
    assert "record:person_name" in found[0].reasons and "record:birth_date" in found[0].reasons
    assert detection.pension_records == 2
    names = [f for f in detection.findings if f.detector == "person_name"]
    assert [(f.location, f.masked, f.record) for f in names][0] == ("Sheet1!B2", "山***", "Sheet1!row 2")


def test_detect_records_number_alone_in_number_column_is_low(engine: Engine) -> None:
    block = TableBlock(rows=[["1234567890", "東京"]], headers=["番号", "住所"])
    found = _pension(engine.scan([block]))
    assert found and all(f.confidence == Confidence.LOW for f in found)


def test_detect_records_employee_roster_with_names_is_not_pension(engine: Engine) -> None:
    rows = [[f"{1234567890 + i}", "山田太郎", "S45.1.1"] for i in range(20)]
    detection = engine.scan([TableBlock(rows=rows, headers=["社員番号", "氏名", "生年月日"])])
    assert all(f.confidence < Confidence.MEDIUM for f in _pension(detection))
    assert detection.pension_records == 0


@pytest.mark.parametrize("header", ["職員番号", "受付番号", "管理番号", "被保険者整理番号", "証券番号", "患者番号",
                                    "個人番号", "契約番号"])
def test_detect_records_a_column_naming_another_number_is_no_pension_record(engine: Engine, header: str) -> None:
    # each was a pension record at medium: the row's name and birth date lifted any ten digits
    rows = [[f"{1234567890 + i}", "山田太郎", "S45.1.1"] for i in range(5)]
    detection = engine.scan([TableBlock(rows=rows, headers=[header, "氏名", "生年月日"])])
    assert all(f.confidence < Confidence.MEDIUM for f in _pension(detection))
    assert detection.pension_records == 0


def test_detect_records_phone_list_with_names_is_not_pension(engine: Engine) -> None:
    text = "\n".join(f"山田太郎様 {tel}" for tel in ("0312345678", "03-1234-5678", "0901234567"))
    detection = engine.scan([TextBlock(text)])
    assert all(f.confidence < Confidence.MEDIUM for f in _pension(detection))
    assert detection.pension_records == 0


def test_detect_records_letter_text_window(engine: Engine) -> None:
    letter = "山田太郎様\n\nいつもお世話になっております。\n番号 1234-567890 の件でご連絡します。"
    detection = engine.scan([TextBlock(letter, where="letter.txt")])
    found = _pension(detection)
    assert found[0].confidence >= Confidence.MEDIUM
    assert detection.pension_records == 1
    name = next(f for f in detection.findings if f.detector == "person_name")
    assert name.record == found[0].record  # the name joined the number's record


def test_detect_records_name_far_away_does_not_count(engine: Engine) -> None:
    text = "山田太郎様\n" + "本文が続きます。" * 40 + "\n番号 1234-567890"
    detection = engine.scan([TextBlock(text)])
    assert _pension(detection)[0].confidence == Confidence.LOW
    assert detection.pension_records == 0


def test_detect_records_same_number_twice_in_text_is_one_record(engine: Engine) -> None:
    text = "山田太郎様 年金番号1234-567890\n" + "。" * 400 + "\n山田太郎様 年金番号1234-567890"
    assert engine.scan([TextBlock(text)]).pension_records == 1


def test_detect_records_name_column_reaches_recognizer_without_digits(engine: Engine) -> None:
    FakePerson.calls = 0
    rows = [["佐藤健", "営業部"]] * 30
    detection = engine.scan([TableBlock(rows=rows, headers=["氏名", "部署"])])
    [name] = [f for f in detection.findings if f.detector == "person_name"]
    assert name.occurrences == 30  # one value in 30 rows: one finding, every sighting counted
    assert FakePerson.calls == 30  # only the name column's cells, not 経理 or 営業部


def test_detect_records_anchor_in_prefilter_bytes(engine: Engine) -> None:
    assert engine.prefilter("山田太郎様".encode("cp932"))
    assert engine.prefilter("氏名".encode("euc-jp"))
    assert not engine.prefilter("会議室".encode())


def test_a_person_in_the_numbers_own_cell_is_looked_at() -> None:
    # under 対象者 (no name header), 山田太郎（1234567890）: the cell was never read for a person
    block = TableBlock(rows=[["対象者", "備考"], ["山田太郎（1234567890）", ""]], headers=["対象者", "備考"],
                       where="s", first_row=1)
    found = {(f.detector, f.location) for f in load_engine().scan([block]).findings}
    assert ("person_name", "s!A2") in found


def test_the_word_pension_beside_a_persons_number_makes_it_medium() -> None:
    block = TableBlock(rows=[["氏名", "情報"], ["山田　太郎", "年金:1234567890"]], headers=["氏名", "情報"],
                       where="s", first_row=1)
    numbers = [f.confidence for f in load_engine().scan([block]).findings if f.detector == "pension_number"]
    assert numbers == [Confidence.MEDIUM]
    bare = TableBlock(rows=[["情報"], ["年金:1234567890"]], headers=["情報"], where="s", first_row=1)
    assert [f.confidence for f in load_engine().scan([bare]).findings] == [Confidence.LOW]  # no person: low


def test_a_number_a_row_holds_and_the_files_text_repeats_is_one_record() -> None:
    from scanner.detect.records import ROW_KEY, count_records

    keys = {f"s!row 2{ROW_KEY}1234567890", f"s!row 3{ROW_KEY}2345678901", "value:1234567890", "value:3456789012"}
    assert count_records(keys) == 3  # two rows, and the one number only the text holds
    assert count_records({f"s!row 2{ROW_KEY}1234567890", f"t!row 9{ROW_KEY}1234567890"}) == 2  # two rows: two records
