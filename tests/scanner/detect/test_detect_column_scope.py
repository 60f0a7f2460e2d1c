"""Scope-column patterns: a pension number whose leading zero a spreadsheet dropped
(0123456789 -> 123456789) is found under a pension header, and only there."""

from __future__ import annotations

import hashlib
import io
from functools import cache

import openpyxl

from scanner.detect import Engine, load_engine
from scanner.extract import Source
from scanner.model import Confidence, Finding, Outcome, TableBlock
from scanner.scan import scan_source


@cache
def engine() -> Engine:
    return load_engine(hasher=lambda v: hashlib.sha256(v.encode()).hexdigest())


def pension(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.detector == "pension_number"]


def table(headers: list[str], *rows: list[str]) -> list[Finding]:
    return pension(engine().scan([TableBlock(rows=[headers, *rows], headers=headers)]).findings)


def test_nine_digits_under_a_pension_header_is_the_number_with_its_zero_back() -> None:
    short = table(["No", "基礎年金番号"], ["1", "123456789"])
    full = table(["No", "基礎年金番号"], ["1", "0123456789"])
    assert [(f.location, f.masked) for f in short] == [("B2", "0123-****89")]
    assert short[0].confidence == Confidence.MEDIUM
    assert "pattern:leading_zero_dropped" in short[0].reasons
    # the same number either way: copies of it match across files
    assert short[0].value_hash == full[0].value_hash


def test_a_name_in_the_row_makes_it_high_and_a_record() -> None:
    found = engine().scan([TableBlock(rows=[["氏名", "年金番号"], ["山田 太郎", "123456789"]],
                                      headers=["氏名", "年金番号"])])
    assert [f.confidence for f in pension(found.findings)] == [Confidence.HIGH]
    assert found.pension_records == 1


def test_nine_digits_elsewhere_are_not_looked_at() -> None:
    assert table(["No", "伝票番号"], ["1", "123456789"]) == []  # a negative header
    assert table(["No", "金額"], ["1", "123456789"]) == []  # a header naming nothing
    assert table(["基礎年金番号", "備考"], ["1234567890", "123456789"]) != []  # the number, not the note
    assert [f.location for f in table(["基礎年金番号", "備考"], ["1234567890", "123456789"])] == ["A2"]
    assert pension(engine().scan_text("基礎年金番号 123456789").findings) == []  # free text
    # a cell holding more than the number, and other lengths, are not it
    for cell in ("123456789 円", "12345678", "12345678901", "1234567890123"):
        assert table(["No", "基礎年金番号"], ["1", cell]) == [], cell


def test_csv_with_only_a_pension_header_passes_the_byte_prefilter() -> None:
    data = "基礎年金番号\r\n123456789\r\n234567890\r\n".encode("cp932")
    assert engine().prefilter(data)  # no ten-digit run: the header word lets it through
    result = scan_source(Source.from_bytes("list.csv", data), engine())
    assert result.outcome == Outcome.FINDINGS
    assert sorted((f.location, f.masked) for f in pension(result.findings)) == [
        ("A2", "0123-****89"), ("A3", "0234-****90")]


def test_xlsx_number_cells_in_general_format() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["氏名", "基礎年金番号", "社員番号"])
    ws.append(["山田 太郎", 123456789, 234567890])  # typed as numbers: Excel keeps no zero
    out = io.BytesIO()
    wb.save(out)
    result = scan_source(Source.from_bytes("roster.xlsx", out.getvalue()), engine())
    assert [(f.location, f.masked, Confidence.from_score(f.score)) for f in pension(result.findings)] == [
        ("Sheet!B2", "0123-****89", Confidence.HIGH)]


def test_my_number_with_its_zero_dropped_keeps_its_check_digit() -> None:
    def my_numbers(cell: str, header: str = "マイナンバー") -> list[Finding]:
        block = TableBlock(rows=[["No", header], ["1", cell]], headers=["No", header])
        return [f for f in engine().scan([block]).findings if f.detector == "my_number"]

    short, full = my_numbers("12345678903"), my_numbers("012345678903")
    assert [(f.location, f.masked) for f in short] == [("B2", "**********03")]
    assert short[0].value_hash == full[0].value_hash
    assert my_numbers("12345678904") == []  # the check digit fails with the zero back
    assert my_numbers("12345678903", header="法人番号") == []
