"""The engine hands out one finding per distinct value: repeats are counted, not listed."""

from __future__ import annotations

from functools import cache

from scanner.detect import Engine, load_engine
from scanner.model import TableBlock, TextBlock


@cache
def engine() -> Engine:
    return load_engine(hasher=lambda v: f"h:{v}")  # readable hashes: the test data is fake


def by_detector(findings: list, detector: str) -> list:
    return [f for f in findings if f.detector == detector]


def test_a_number_seen_three_times_is_one_finding_with_three_occurrences() -> None:
    text = ("基礎年金番号 1234-567890\n" + "本日の会議では予算を議論しました。\n" * 30) * 3
    [found] = by_detector(engine().scan([TextBlock(text)]).findings, "pension_number")
    assert found.occurrences == 3
    assert found.location == "line 1"  # equals keep the first place seen


def test_the_strongest_sighting_is_kept_and_all_are_counted() -> None:
    weak = "整理 1234567890\n" + "本日の会議では予算を議論しました。\n" * 30
    strong = "基礎年金番号：1234-567890\n"
    detection = engine().scan([TextBlock(weak + strong)])
    [found] = by_detector(detection.findings, "pension_number")
    assert found.occurrences == 2
    assert found.location == "line 32"
    alone = by_detector(engine().scan([TextBlock(strong)]).findings, "pension_number")
    assert found.score == alone[0].score


def test_repeats_across_blocks_and_rows_merge_per_detector() -> None:
    rows = [["山田　太郎", "昭和50年1月2日", f"1234-56789{i}"] for i in range(3)]
    blocks = [TableBlock(rows=rows, headers=["氏名", "生年月日", "基礎年金番号"]),
              TableBlock(rows=rows[:1], headers=["氏名", "生年月日", "基礎年金番号"], where="Sheet2")]
    findings = engine().scan(blocks).findings
    assert sorted(f.occurrences for f in by_detector(findings, "pension_number")) == [1, 1, 2]
    [name] = by_detector(findings, "person_name")
    [born] = by_detector(findings, "birth_date")
    assert (name.occurrences, born.occurrences) == (4, 4)
    assert len({(f.detector, f.value_hash) for f in findings}) == len(findings)
