"""Column headers as typed into spreadsheets: a line break inside the cell (Alt+Enter), a
label in Latin letters over the two halves of a number."""

from __future__ import annotations

import pytest

from agent import fakedocs
from scanner.detect import Engine, load_engine
from scanner.extract import Source
from scanner.model import Confidence
from scanner.scan import scan_source


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _found(engine: Engine, rows: list[list[str]]) -> set[tuple[str, str, Confidence]]:
    result = scan_source(Source.from_bytes("roster.xlsx", fakedocs.xlsx_from_rows({"名簿": rows})), engine)
    return {(f.detector, f.location.rsplit("!", 1)[-1], f.confidence) for f in result.findings}


def test_a_line_break_inside_a_header_cell_is_no_break_in_its_label(engine: Engine) -> None:
    # 氏⏎名 was no 氏名: the names under it were not looked at, the birth dates LOW
    rows = [["氏\n名", "フリ\r\nガナ", "生年\n月日", "基礎年金\n番号"],
            ["山田　太郎", "ヤマダ　タロウ", "昭和45年1月2日", "1234567890"]]
    assert _found(engine, rows) == {("person_name", "A2", Confidence.HIGH), ("person_name", "B2", Confidence.HIGH),
                                    ("birth_date", "C2", Confidence.HIGH), ("pension_number", "D2", Confidence.HIGH)}


@pytest.mark.parametrize("label", ["基礎年金\n番号", "KISO_NENKIN_BANGO"])
def test_the_halves_of_a_number_under_a_merged_header_are_one_number(engine: Engine, label: str) -> None:
    # the merged header over 1234 | 567890 was not read as 年金番号: the number was not found at all
    rows = [["氏名", label, ""], ["山田　太郎", "1234", "567890"]]
    assert ("pension_number", "B2", Confidence.HIGH) in _found(engine, rows)
