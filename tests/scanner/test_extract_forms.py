"""Forms: labels beside their values, two or four cells to a row, read value after label."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agent import fakedocs
from scanner.detect import Engine, load_engine
from scanner.extract import Source
from scanner.extract.forms import MAX_ROWS, FormPair, fields_down, form_pairs
from scanner.model import Confidence, ScanResult
from scanner.scan import scan_source

FORM = [["氏名", "山田　太郎"], ["フリガナ", "ヤマダ　タロウ"], ["生年月日", "昭和45年1月2日"],
        ["基礎年金番号", "1234-567890"], ["住所", "東京都架空区1-2-3"]]
WIDE_FORM = [["年金請求書"], ["氏名", "山田　太郎", "生年月日", "昭和45年1月2日"],
             ["基礎年金番号", "1234567890", "電話番号", "0312345678"]]


def test_a_form_is_its_pairs_row_by_row() -> None:
    assert form_pairs(WIDE_FORM) == [FormPair(1, 0, 1, "氏名", "山田　太郎", 1), FormPair(1, 2, 3, "生年月日", "昭和45年1月2日", 1),
                                     FormPair(2, 0, 1, "基礎年金番号", "1234567890", 2),
                                     FormPair(2, 2, 3, "電話番号", "0312345678", 2)]


STACKED_FORM = [["氏名", "生年月日"], ["山田　太郎", "昭和45年1月2日"], ["基礎年金番号", "住所"], ["1234567890", "東京都架空区"]]


def test_a_form_with_labels_above_their_values_is_its_pairs_column_by_column() -> None:
    assert form_pairs(STACKED_FORM) == [FormPair(1, 0, 0, "氏名", "山田　太郎", 0),
                                        FormPair(1, 1, 1, "生年月日", "昭和45年1月2日", 0),
                                        FormPair(3, 0, 0, "基礎年金番号", "1234567890", 2),
                                        FormPair(3, 1, 1, "住所", "東京都架空区", 2)]


NOTED_FORM = [["項目", "記入欄", "備考"], ["氏名", "山田　太郎", "旧姓　佐藤"], ["生年月日", "昭和45年1月2日"],
              ["基礎年金番号", "1234-567890", "要確認"], ["住所", "東京都架空区1-2-3"]]


def test_a_note_beside_a_pair_is_a_value_without_a_label() -> None:
    pairs = form_pairs(NOTED_FORM)
    assert pairs is not None
    assert FormPair(1, 0, 1, "氏名", "山田　太郎", 1) in pairs and FormPair(1, 2, 2, "", "旧姓　佐藤", 1) in pairs
    assert FormPair(3, 0, 1, "基礎年金番号", "1234-567890", 3) in pairs


@pytest.mark.parametrize("rows", [
    [["氏名", "基礎年金番号"], ["山田　太郎", "1234567890"]],
    # three columns of a list: its first column holds names, no field labels
    [["氏名", "基礎年金番号", "備考"]] + [[f"山田　{n}郎", f"12345678{n:02d}", "転出"] for n in range(5)],  # a list of one person: a header and its row
    [["氏名", "基礎年金番号"]] + [[f"山田　{n}郎", f"12345678{n:02d}"] for n in range(10)],
    [["氏名", "フリガナ", "住所", "備考"]] + [["山田　太郎", "ヤマダ　タロウ", "東京都", "なし"]] * 3,
    [["名前", "値"], ["色", "赤"], ["形", "丸"]],  # pairs, but no field names of ours
    FORM * (MAX_ROWS // len(FORM) + 1),  # a page at most
])
def test_lists_and_big_tables_are_no_forms(rows: list[list[str]]) -> None:
    assert form_pairs(rows) is None


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


# A table as a Word document's and as a sheet's: (file name, bytes)
AS_WORD_OR_SHEET = pytest.mark.parametrize("make", [lambda rows: ("form.docx", fakedocs.docx(tables=[rows])),
                                                    lambda rows: ("form.xlsx", fakedocs.xlsx_from_rows({"申請書": rows}))],
                                           ids=["docx", "xlsx"])


def _scan_made(engine: Engine, make: Callable[[list[list[str]]], tuple[str, bytes]], rows: list[list[str]]) -> ScanResult:
    name, data = make(rows)
    return scan_source(Source.from_bytes(name, data), engine)


@AS_WORD_OR_SHEET
def test_a_form_names_its_person_and_not_its_labels(
        engine: Engine, make: Callable[[list[list[str]]], tuple[str, bytes]]) -> None:
    # read as a table, 氏名 | 山田　太郎 was its header: the labels under 氏名 were names, the name none
    result = _scan_made(engine, make, FORM)
    found = {(f.detector, f.location.rsplit("!", 1)[-1], f.masked) for f in result.findings}
    assert found == {("person_name", "B1", "山* **"), ("person_name", "B2", "ヤ** ***"),
                     ("birth_date", "B3", "19**-**-**"), ("pension_number", "B4", "1234-****90")}
    assert all(f.confidence == Confidence.HIGH for f in result.findings)
    assert result.pension_records == 1


@pytest.mark.parametrize("rows", [NOTED_FORM, NOTED_FORM[1:]], ids=["with its header", "without"])
def test_a_form_with_a_notes_column_names_its_person(engine: Engine, rows: list[list[str]]) -> None:
    # label | value | 備考 was read as a table: the number found at medium, the name and birth date not at all
    result = scan_source(Source.from_bytes("form.xlsx", fakedocs.xlsx_from_rows({"申請書": rows})), engine)
    first = 2 if rows is NOTED_FORM else 1
    found = {(f.detector, f.location.rsplit("!", 1)[-1], f.confidence) for f in result.findings}
    assert found == {("person_name", f"B{first}", Confidence.HIGH), ("birth_date", f"B{first + 1}", Confidence.HIGH),
                     ("pension_number", f"B{first + 2}", Confidence.HIGH)}
    assert result.pension_records == 1


def test_a_wide_form_places_each_value_in_its_cell(engine: Engine) -> None:
    result = scan_source(Source.from_bytes("form.docx", fakedocs.docx(tables=[WIDE_FORM])), engine)
    found = {(f.detector, f.location.rsplit("!", 1)[-1], f.confidence) for f in result.findings}
    assert found == {("person_name", "B2", Confidence.HIGH), ("birth_date", "D2", Confidence.HIGH),
                     ("pension_number", "B3", Confidence.HIGH)}  # the landline under 電話番号: nothing
    assert result.pension_records == 1


def test_a_stacked_form_finds_the_number_under_its_label(engine: Engine) -> None:
    # read as a table under its first row, 1234567890 sat under 氏名: no number at all
    data = fakedocs.xlsx_from_rows({"申請書": STACKED_FORM})
    result = scan_source(Source.from_bytes("form.xlsx", data), engine)
    found = {(f.detector, f.location.rsplit("!", 1)[-1], f.confidence) for f in result.findings}
    assert found == {("person_name", "A2", Confidence.HIGH), ("birth_date", "B2", Confidence.HIGH),
                     ("pension_number", "A4", Confidence.HIGH)}
    assert result.pension_records == 1


SIDEWAYS = [["項目", "No.1", "No.2", "No.3"], ["氏名", "山田　太郎", "佐藤　花子", "鈴木　一郎"],
            ["生年月日", "昭和45年1月2日", "昭和50年3月4日", "平成2年5月6日"],
            ["基礎年金番号", "1234567890", "2345678901", "3456789012"]]


def test_a_table_laid_out_sideways_is_its_field_labels_down_the_first_column() -> None:
    assert fields_down(SIDEWAYS) == ["項目", "氏名", "生年月日", "基礎年金番号"]


@pytest.mark.parametrize("rows", [
    [["氏名", "生年月日", "基礎年金番号"], ["山田　太郎", "昭和45年1月2日", "1234567890"],
     ["佐藤　花子", "昭和50年3月4日", "2345678901"]],  # a roster the usual way round
    [["区分", "4月", "5月"], ["在職者", "10", "12"], ["退職者", "1", "0"]],  # counts by month
    FORM,  # label | value: a form
    [["年金請求書"], ["氏名", "", "山田", "太郎"], ["基礎年金番号", "", *"1234", "-", *"567890"]],  # 方眼紙 boxes
])
def test_tables_the_usual_way_round_are_not_sideways(rows: list[list[str]]) -> None:
    assert fields_down(rows) is None


@AS_WORD_OR_SHEET
def test_a_sideways_roster_names_each_person_in_their_column(
        engine: Engine, make: Callable[[list[list[str]]], tuple[str, bytes]]) -> None:
    # read the usual way round, the names were never looked at and no number had a person's record
    result = _scan_made(engine, make, SIDEWAYS)
    found = {(f.detector, f.location.rsplit("!", 1)[-1], f.confidence) for f in result.findings}
    assert found == {(detector, f"{col}{row}", Confidence.HIGH) for col in "BCD"
                     for detector, row in (("person_name", 2), ("birth_date", 3), ("pension_number", 4))}
    assert result.pension_records == 3
