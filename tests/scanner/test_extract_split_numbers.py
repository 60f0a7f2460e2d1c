"""A pension number split over 記号 and 番号 columns (as the 年金手帳 prints it) is one
number in CSV and Word tables too, not only in spreadsheets."""

from __future__ import annotations

import pytest

from scanner.detect import Engine, load_engine
from scanner.extract import Source
from scanner.scan import scan_source
from tests.scanner import office_samples as samples


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _pension(engine: Engine, name: str, data: bytes) -> set[tuple[str, str, str]]:
    result = scan_source(Source.from_bytes(name, data), engine)
    return {(f.location, f.masked, f.confidence.name) for f in result.findings if f.detector == "pension_number"}


@pytest.mark.parametrize("headers", [("基礎年金番号(記号)", "基礎年金番号(番号)"), ("年金手帳 記号", "年金手帳 番号")])
def test_csv_halves_are_one_number(engine: Engine, headers: tuple[str, str]) -> None:
    text = f"氏名,{headers[0]},{headers[1]},備考\n山田 太郎,1234,567890,\n佐藤 花子,123,45678,\n"
    # the second row lost zeros on the way through Excel: 0123 | 045678
    assert _pension(engine, "roster.csv", text.encode("cp932")) == {
        ("B2", "1234-****90", "HIGH"), ("B3", "0123-****78", "HIGH")}


def test_word_table_halves_are_one_number(engine: Engine) -> None:
    table = [["氏名", "記号", "番号"], ["山田 太郎", "1234", "567890"]]
    assert _pension(engine, "letter.docx", samples.docx(["年金の手続き"], tables=[table])) == {
        ("word/document.xml table 1!B2", "1234-****90", "MEDIUM")}


def test_other_code_pairs_stay_apart(engine: Engine) -> None:
    text = "品名,商品記号,受注番号\n用紙,1234,567890\n"
    assert _pension(engine, "orders.csv", text.encode("cp932")) == set()
