"""The engine on text and tables: context, decoys, locations, masks, records."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.detect import Detection, Engine, load_engine
from scanner.model import Confidence, Finding, TableBlock, TextBlock

DASHES = "-‐‑–—―−－ーｰ"


@cache
def engine() -> Engine:
    return load_engine(hasher=lambda v: hashlib.sha256(v.encode()).hexdigest())


def pension(detection: Detection) -> list[Finding]:
    return [f for f in detection.findings if f.detector == "pension_number"]


def top_level(text: str, header: str | None = None, detector: str = "pension_number") -> int:
    """Highest confidence of ``detector`` on ``text`` (0: no finding at all)."""
    levels = [f.confidence for f in engine().scan_text(text, header).findings if f.detector == detector]
    return max(levels, default=0)


def test_detect_engine_kanji_touching_digits_is_found() -> None:
    found = pension(engine().scan_text("基礎年金番号1234-567890です"))
    assert len(found) == 1
    assert found[0].confidence >= Confidence.MEDIUM
    assert found[0].masked == "1234-****90"


@pytest.mark.parametrize("dash", list(DASHES))
def test_detect_engine_fullwidth_and_dash_variants(dash: str) -> None:
    text = f"一行目\n年金番号：１２３４{dash}５６７８９０"
    found = pension(engine().scan([TextBlock(text, where="memo.txt", first_line=10)]))
    assert [(f.masked, f.location) for f in found] == [("1234-****90", "memo.txt:line 11")]
    assert found[0].confidence >= Confidence.MEDIUM


@pytest.mark.parametrize("decoy", [
    "0312345678", "03-1234-5678", "TEL 0312345678", "〒123-4567", "123-4567",
    "1234-567890-1", "1234567890123", "123456789012", "2024-01-15", "1700000000", "1234567890",
    "1234 567890",
])
def test_detect_engine_bare_decoys_stay_below_medium(decoy: str) -> None:
    assert top_level(decoy) < Confidence.MEDIUM


@pytest.mark.parametrize("header", ["商品コード", "社員番号", "電話番号", "受注番号", "FAX"])
def test_detect_engine_negative_headers_suppress_even_with_a_keyword_nearby(header: str) -> None:
    assert top_level("1234-567890", header) < Confidence.MEDIUM


def test_detect_engine_negative_label_beats_farther_positive_keyword() -> None:
    text = "基礎年金番号の届出について。連絡先 電話 0312345678 まで"
    assert top_level(text) < Confidence.MEDIUM
    text2 = "社員番号 1234567890 基礎年金番号は別紙"
    assert top_level(text2) < Confidence.MEDIUM


def test_detect_engine_keyword_within_proximity_only() -> None:
    near = "基礎年金番号" + "。" * 50 + "1234-567890"
    far = "基礎年金番号" + "。" * 400 + "1234-567890"
    assert top_level(near) == Confidence.HIGH
    assert top_level(far) == Confidence.LOW


def _roster(header: str, rows: int = 500) -> TableBlock:
    data = [[f"利用者{i}", f"{1000 + i}-{200000 + i:06d}", "東京都"] for i in range(rows)]
    return TableBlock(rows=data, headers=["氏名", header, "住所"], where="名簿", first_row=5)


def test_detect_engine_header_hundreds_of_rows_above_confirms() -> None:
    found = pension(engine().scan([_roster("基礎年金番号")]))
    assert len(found) == 500
    assert all(f.confidence >= Confidence.MEDIUM for f in found)
    assert found[-1].location == "名簿!B504"
    assert found[-1].record == "名簿!row 504"


@pytest.mark.parametrize("header", ["社員番号", "電話", "商品コード"])
def test_detect_engine_negative_header_column_stays_low(header: str) -> None:
    found = pension(engine().scan([_roster(header, rows=50)]))
    assert all(f.confidence < Confidence.MEDIUM for f in found)


def test_detect_engine_cell_locations_without_where_and_wide_tables() -> None:
    row = [""] * 27 + ["1234567890"]
    found = pension(engine().scan([TableBlock(rows=[row], headers=[""] * 27 + ["年金番号"], first_row=7)]))
    assert [(f.location, f.record) for f in found] == [("AB7", "row 7")]


def test_detect_engine_pdf_like_block_location_is_where() -> None:
    found = pension(engine().scan([TextBlock("基礎年金番号 1234-567890", where="page 3", first_line=None)]))
    assert [f.location for f in found] == ["page 3"]


def test_detect_engine_product_code_in_pension_shape_under_product_header_in_text() -> None:
    assert top_level("商品コード：1234-567890　数量 3") < Confidence.MEDIUM


def test_detect_engine_my_number_needs_a_label() -> None:
    assert top_level("123456789018", detector="my_number") == Confidence.LOW
    assert top_level("個人番号 123456789018", detector="my_number") >= Confidence.MEDIUM
    assert top_level("個人番号 123456789011", detector="my_number") == 0


def test_detect_engine_birth_date_label_and_column() -> None:
    # Dates are everywhere: with nothing pointing at a birth date, none is looked for.
    assert top_level("提出期限は昭和45年1月1日です", detector="birth_date") == 0
    assert top_level("基礎年金番号 1234-567890 昭和45年1月1日", detector="birth_date") >= Confidence.LOW
    assert top_level("生年月日 昭和45年1月1日", detector="birth_date") >= Confidence.MEDIUM
    assert top_level("S45.1.1", "生年月日", detector="birth_date") == Confidence.HIGH


def test_detect_engine_findings_carry_no_raw_value() -> None:
    seen: list[str] = []

    def hasher(value: str) -> str:
        seen.append(value)
        return "HASH"

    eng = load_engine(hasher=hasher)
    detection = eng.scan_text("基礎年金番号 1234-567890 生年月日 昭和45年1月1日 個人番号 123456789018")
    assert {f.detector for f in detection.findings} == {"pension_number", "birth_date", "my_number"}
    assert set(seen) >= {"1234-567890", "1970-01-01", "123456789018"}
    dump = repr(detection)
    for raw in ("567890", "123456789018", "1234567890", "昭和45年1月1日", "1970-01-01"):
        assert raw not in dump


def test_detect_engine_scans_blocks_lazily_and_skips_blocks_without_candidates() -> None:
    consumed: list[int] = []

    def blocks() -> Iterator[TextBlock | TableBlock]:
        for i in range(3):
            consumed.append(i)
            yield TextBlock("議事録のみ、数字なし") if i != 1 else TextBlock("年金番号 1234567890")

    detection = engine().scan(blocks())
    assert consumed == [0, 1, 2]
    assert len(pension(detection)) == 1


def test_detect_engine_same_results_with_either_prefilter_backend() -> None:
    text = "氏名 山田\n基礎年金番号 1234-567890\nTEL 0312345678\n生年月日 S45.1.1"
    results = []
    for backend in ("regex", "auto"):
        eng = load_engine(hasher=lambda v: v[::-1][:3], prefilter=backend)
        results.append([(f.detector, f.score, f.location, f.masked) for f in eng.scan_text(text).findings])
    assert results[0] == results[1] and results[0]


def test_detect_engine_line_numbers_across_windows() -> None:
    text = "\n".join(["本文"] * 1000 + ["年金番号 1234567890"] + ["本文"] * 1000 + ["年金番号 2345678901"])
    found = pension(engine().scan([TextBlock(text)]))
    assert [f.location for f in found] == ["line 1001", "line 2002"]


def test_detect_engine_label_cell_in_the_same_row_counts_but_not_the_row_above() -> None:
    form = TableBlock(rows=[["基礎年金番号", "1234-567890"], ["", "2345-678901"]], headers=["", ""])
    found = {f.location: f.confidence for f in pension(engine().scan([form]))}
    assert found["B1"] >= Confidence.MEDIUM
    assert found["B2"] == Confidence.LOW


def test_detect_engine_table_without_candidates_yields_nothing() -> None:
    block = TableBlock(rows=[["議事録", "会議室"]] * 1000, headers=["件名", "場所"])
    assert engine().scan([block]).findings == []


def test_detect_engine_a_cell_holding_a_separator_character_shifts_nothing() -> None:
    # The engine joins cells with \x1f and rows with \x1e; a broken file may hold them itself.
    rows = [["\x1e壊れた\x1f", "備考"], ["山田　太郎", "1234-567890"]]
    found = pension(engine().scan([TableBlock(rows=rows, headers=["氏名", "基礎年金番号"])]))
    assert [(f.location, f.masked) for f in found] == [("B2", "1234-****90")]
    assert found[0].confidence >= Confidence.MEDIUM


def test_compact_birth_dates_of_a_system_export() -> None:
    """Business systems export dates as yyyymmdd: under 生年月日 they are birth dates (and make
    the row a person record); eight-digit slip numbers and 受付日 dates in the same rows are not."""
    engine = load_engine()
    rows = [["氏名", "生年月日", "基礎年金番号", "受付日", "伝票番号"],
            ["山田　太郎", "19700101", "1234-567890", "20240115", "20231231"],
            ["鈴木　花子", "19651231", "2345-678901", "20240116", "19991301"]]
    found = engine.scan([TableBlock(rows=rows, headers=rows[0])]).findings
    births = sorted((f.location, f.masked) for f in found if f.detector == "birth_date" and f.confidence >= Confidence.MEDIUM)
    assert births == [("B2", "19**-**-**"), ("B3", "19**-**-**")]
    assert all(f.confidence == Confidence.HIGH for f in found if f.detector == "pension_number")


def _package_list() -> TableBlock:
    """A big table under headers that name no number of ours, a few rows with ten digits:
    one labelled in its own row, one beside a name and a birth date, one bare."""
    rows = [[f"pkg{i}", f"1.{i % 7}.0", "2024-01", f"{i % 900}", "a library for things"] for i in range(1500)]
    rows[300] = ["pkg300", "1.0", "2024-01", "3", "基礎年金番号 1234-567890 の確認"]
    rows[800] = ["山田 太郎", "昭和45年1月2日", "2024-01", "4", "2345678901"]
    rows[1400] = ["pkg1400", "1.0", "2024-01", "5", "3456789012"]
    return TableBlock(rows=rows, headers=["", "", "month", "rank", "summary"], where="list.tsv")


def _reported(detection: Detection) -> list[tuple[str, str, str, int]]:
    return sorted((f.detector, f.location, f.masked, int(f.confidence)) for f in detection.findings)


def test_a_big_table_with_few_candidates_reads_their_rows_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.detect.engine as engine_module

    sparse = engine().scan([_package_list()])
    monkeypatch.setattr(engine_module, "_SPARSE_ROWS", 0.0)  # every block read whole, as before
    whole = engine().scan([_package_list()])
    assert _reported(sparse) == _reported(whole)
    assert sparse.pension_records == whole.pension_records == 1  # the row with a name and a birth date
    pension = {f.location: f.confidence for f in sparse.findings if f.detector == "pension_number"}
    assert pension["list.tsv!E301"] >= Confidence.MEDIUM  # its keyword in its own row
    assert pension["list.tsv!E1401"] == Confidence.LOW


_TABLE_CELLS = st.sampled_from(["", "氏名", "基礎年金番号", "生年月日", "姓", "名", "記号", "番号", "年", "月", "日", "元号",
                                "山田　太郎", "1234567890", "1234", "567890", "昭和", "45", "1", "項目", "No.1",
                                "山田太郎（1234567890）", "年金:1234567890", "KISO_NENKIN_BANGO", "-", "ヤマダ"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_TABLE_CELLS, max_size=7), min_size=1, max_size=12), st.lists(_TABLE_CELLS, max_size=7))
def test_any_table_of_these_cells_is_scanned_without_an_error(rows: list[list[str]], headers: list[str]) -> None:
    # forms, sideways tables, split dates and numbers, a number's own cell: every layout path on ragged rows
    detection = engine().scan([TableBlock(rows=rows, headers=headers, where="s", first_row=1)])
    assert all(f.location.startswith("s!") for f in detection.findings)
