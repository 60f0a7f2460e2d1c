"""方眼紙 forms: a number typed one digit to a box, in a spreadsheet or read out of a PDF."""

from __future__ import annotations

import pytest

from agent import fakedocs
from scanner.detect import Engine, load_engine
from scanner.extract import Source
from scanner.model import Confidence, Outcome, TableBlock
from scanner.scan import scan_source


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _numbers(engine: Engine, rows: list[list[str]], name: str = "年金請求書.xlsx") -> set[tuple[str, str, str]]:
    data = fakedocs.xlsx_from_rows({"様式": rows}) if name.endswith(".xlsx") else \
        "\r\n".join(",".join(r) for r in rows).encode("cp932")
    result = scan_source(Source.from_bytes(name, data), engine)
    return {(f.location, f.masked, f.detector) for f in result.findings
            if f.detector in ("pension_number", "my_number") and f.confidence >= Confidence.MEDIUM}


@pytest.mark.parametrize("name", ["年金請求書.xlsx", "年金請求書.csv"])
def test_boxes_beside_their_label_are_one_number(engine: Engine, name: str) -> None:
    rows = [["年金請求書"], ["氏名", "", "山田", "太郎"], ["基礎年金番号", "", *"1234", "-", *"567890"]]
    assert _numbers(engine, rows, name) == {("様式!C3" if name.endswith("xlsx") else "C3", "1234-****90",
                                              "pension_number")}


def test_boxes_under_their_label_and_two_cells_a_box(engine: Engine) -> None:
    above = [["", "基礎年金番号"], ["", *"2345678901"]]
    assert _numbers(engine, above) == {("様式!B2", "2345-****01", "pension_number")}
    merged = [["基礎年金番号", *(c for d in "3456789012" for c in (d, ""))]]  # each box two merged cells
    assert _numbers(engine, merged) == {("様式!B1", "3456-****12", "pension_number")}


def test_my_number_boxes_keep_their_check_digit(engine: Engine) -> None:
    assert _numbers(engine, [["個人番号", *"123456789018"]]) == {("様式!B1", "**********18", "my_number")}
    assert _numbers(engine, [["個人番号", *"123456789011"]]) == set()  # the check digit fails


@pytest.mark.parametrize("label", ["My Number", "ＭＹ　ＮＵＭＢＥＲ", "my number"])
def test_a_latin_label_in_any_case_or_width(engine: Engine, label: str) -> None:
    """Keywords match in any case and width; a box row's label does too."""
    assert _numbers(engine, [[label, *"123456789018"]]) == {("様式!B1", "**********18", "my_number")}


@pytest.mark.parametrize("rows", [
    [["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8", "Q9", "Q10"], list("3451234521")],  # survey scores
    [["厚生年金 加入者（月別）", *"3452103421"]],  # monthly counts under a topic, not a number's label
], ids=["survey", "topic"])
def test_single_digits_without_a_number_label_stay_clean(engine: Engine, rows: list[list[str]]) -> None:
    result = scan_source(Source.from_bytes("集計.xlsx", fakedocs.xlsx_from_rows({"集計": rows})), engine)
    assert (result.outcome, result.findings) == (Outcome.CLEAN, [])


def test_the_engine_leaves_the_extractor_rows_alone(engine: Engine) -> None:
    row = ["基礎年金番号", *"1234567890"]
    block = TableBlock(rows=[row], headers=[])
    engine.scan([block])
    assert block.rows == [["基礎年金番号", *"1234567890"]]


def test_boxes_read_out_of_a_pdf_as_spaced_digits(engine: Engine) -> None:
    found = engine.scan_text("基礎年金番号 1 2 3 4 5 6 7 8 9 0\n").findings
    assert [(f.masked, f.confidence >= Confidence.MEDIUM) for f in found] == [("1234-****90", True)]
    assert all(f.confidence < Confidence.MEDIUM for f in engine.scan_text("1 2 3 4 5 6 7 8 9 0").findings)


@pytest.mark.parametrize("boxes", ["1 2 3 4 - 5 6 7 8 9 0", "１　２　３　４　－　５　６　７　８　９　０", "1 2 3 4 -5 6 7 8 9 0"])
@pytest.mark.parametrize(("name", "make"), [
    ("年金請求書.pdf", lambda text: fakedocs.pdf_japanese([text])),
    ("年金請求書.txt", lambda text: text.encode("cp932")),  # through the byte prefilter too
])
def test_boxes_with_the_printed_dash_between_them(engine: Engine, boxes: str, name: str, make) -> None:
    """The 年金請求書 prints a dash between the fourth and the fifth box."""
    result = scan_source(Source.from_bytes(name, make(f"氏名　山田　太郎\n基礎年金番号　{boxes}\n")), engine)
    assert [(f.masked, f.confidence >= Confidence.MEDIUM) for f in result.findings
            if f.detector == "pension_number"] == [("1234-****90", True)]
    unlabelled = scan_source(Source.from_bytes(name, make(f"整理番号　{boxes}\n")), engine)
    assert all(f.confidence < Confidence.MEDIUM for f in unlabelled.findings)


@pytest.mark.parametrize(("name", "make", "where"), [
    ("請求書.docx", lambda rows: fakedocs.docx(["年金請求書"], tables=[rows]), "word/document.xml table 1!B2"),
    ("請求書.ods", fakedocs.ods, "名簿!B2"),
])
def test_boxes_in_word_and_calc_tables_too(engine: Engine, name: str, make, where: str) -> None:
    rows = [["氏名", "山田　太郎", *[""] * 9], ["基礎年金番号", *"1234567890"]]
    result = scan_source(Source.from_bytes(name, make(rows)), engine)
    assert [(f.location, f.masked) for f in result.findings if f.detector == "pension_number"] == [
        (where, "1234-****90")]
