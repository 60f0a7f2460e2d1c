"""JSON and JSON Lines: escaped Japanese decoded, arrays of objects read as tables."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scanner.extract.json_doc as json_doc
from scanner.detect import Engine, load_engine
from scanner.extract import Source
from scanner.extract.json_doc import unescaped
from scanner.model import Outcome
from scanner.scan import scan_source
from tests.scanner.reported import reported, scan_text_file

RECORDS = [{"氏名": "山田 太郎", "基礎年金番号": "1234-567890", "生年月日": "昭和45年1月2日"},
           {"氏名": "佐藤 花子", "基礎年金番号": "2345-678901", "生年月日": "昭和46年3月4日"}]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def test_escaped_records_are_a_table_under_their_keys(engine: Engine) -> None:
    text = json.dumps(RECORDS)  # ensure_ascii: every key and name is \\uXXXX
    assert "基礎" not in text
    result = scan_text_file(engine, "export.json", text)
    assert result.file_type == "json" and result.outcome == Outcome.FINDINGS
    assert reported(result) == {("$!B1", "1234-****90"), ("$!B2", "2345-****01")}
    assert {f.location for f in result.findings if f.detector == "person_name"} == {"$!A1", "$!A2"}
    assert result.pension_records == 2


def test_the_same_file_read_as_text_would_miss_the_names(engine: Engine) -> None:
    # the reason for the reader: as plain text the escaped keys and names are ASCII noise
    result = scan_text_file(engine, "export.txt", json.dumps(RECORDS))
    assert not any(f.detector == "person_name" for f in result.findings)


def test_nested_objects_are_key_value_lines_at_their_path(engine: Engine) -> None:
    doc = {"status": "ok", "applicant": {"name": "山田 太郎", "基礎年金番号": "１２３４－５６７８９０"}}
    result = scan_text_file(engine, "application.json", json.dumps(doc))
    assert reported(result) == {("$.applicant", "1234-****90")}  # full-width digits, escaped, still found


def test_records_under_a_key_and_rows_of_values(engine: Engine) -> None:
    doc = {"count": 2, "data": RECORDS, "sheet": {"values": [["氏名", "基礎年金番号"], ["鈴木 一郎", "3456-789012"]]}}
    result = scan_text_file(engine, "api.json", json.dumps(doc))
    assert reported(result) == {("$.data!B1", "1234-****90"), ("$.data!B2", "2345-****01"),
                              ("$.sheet.values!B2", "3456-****12")}


def test_json_lines_are_records(engine: Engine) -> None:
    text = "\n".join(json.dumps(r) for r in RECORDS) + "\n"
    for name in ("export.jsonl", "export.ndjson", "export.json"):
        assert reported(scan_text_file(engine, name, text)) == {("$!B1", "1234-****90"), ("$!B2", "2345-****01")}, name


def test_a_file_that_does_not_parse_is_read_as_unescaped_text_and_noted(engine: Engine) -> None:
    result = scan_text_file(engine, "cut.json", json.dumps(RECORDS)[:-10])
    assert {masked for _, masked in reported(result)} == {"1234-****90", "2345-****01"}
    assert any(f.detector == "person_name" for f in result.findings)  # the names were decoded
    assert any("not valid JSON" in p.reason and p.read_anyway for p in result.parts)


def test_a_big_file_is_streamed_as_unescaped_text(engine: Engine, monkeypatch) -> None:
    monkeypatch.setattr(json_doc, "PARSE_BYTES", 100)
    result = scan_text_file(engine, "big.json", json.dumps(RECORDS * 3))
    assert {masked for _, masked in reported(result)} == {"1234-****90", "2345-****01"}
    assert any(f.detector == "person_name" for f in result.findings)
    assert not result.parts  # nothing wrong with it


def test_a_json_name_over_other_content_is_not_json(engine: Engine) -> None:
    result = scan_text_file(engine, "notes.json", "基礎年金番号 1234-567890 山田 太郎様\n")
    assert result.file_type == "text" and reported(result) == {("line 1", "1234-****90")}


@pytest.mark.parametrize("piece", [1, 2, 3, 5, 7, 64])
def test_escapes_cut_between_pieces_are_decoded_whole(piece: int) -> None:
    text = json.dumps({"氏名": "山田 太郎", "note": "a\\b \"c\" \u3000😀", "no": "１２３４"})
    pieces = [text[i:i + piece] for i in range(0, len(text), piece)]
    assert "".join(unescaped(pieces)) == "".join(unescaped([text]))
    assert "山田 太郎" in "".join(unescaped(pieces)) and "１２３４" in "".join(unescaped(pieces))


def test_a_document_over_max_cells_is_limit_exceeded(engine: Engine) -> None:
    from scanner.limits import ScanLimits

    result = scan_source(Source.from_bytes("many.json", json.dumps(RECORDS * 20).encode()), engine,
                         ScanLimits(max_cells=50))
    assert result.outcome == Outcome.LIMIT_EXCEEDED and "max_cells" in result.reason


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
       st.integers(min_value=1, max_value=13))
def test_unescaped_pieces_give_back_what_json_escaped(value: str, piece: int) -> None:
    escaped = json.dumps(value)[1:-1]  # the string's body, every non-ASCII character as \\uXXXX
    pieces = [escaped[i:i + piece] for i in range(0, len(escaped), piece)]
    assert "".join(unescaped(pieces)) == value


def test_a_records_name_object_is_columns_of_its_own(engine: Engine) -> None:
    # {"name": {"family": .., "given": ..}} was one cell of JSON under "name": no name was found
    from agent import fakedata

    people = fakedata.people(5, seed=13)
    doc = [{"name": {"family": p.surname, "given": p.given}, "pension": {"number": p.pension_number},
            "extra": {"deep": {"x": 1}}} for p in people]
    result = scan_source(Source.from_bytes("emp.json", json.dumps(doc, ensure_ascii=False).encode()), engine)
    names = {f.location for f in result.findings if f.detector == "person_name" and f.confidence.name != "LOW"}
    numbers = {f.location for f in result.findings if f.detector == "pension_number" and f.confidence.name == "HIGH"}
    assert names == {f"$!A{row}" for row in range(1, 6)} and numbers == {f"$!C{row}" for row in range(1, 6)}
