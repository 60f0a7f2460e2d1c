"""XML read as text with character references decoded; markup whose references may spell
what the raw bytes do not show is never judged clean by the byte prefilter alone."""

from __future__ import annotations

import pytest

from scanner.detect import Engine, load_engine
from scanner.extract.xml_text import decode_references
from scanner.model import Confidence, Outcome
from tests.scanner.reported import reported, scan_text_file


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _refs(text: str, hexadecimal: bool = False) -> str:
    """Every non-ASCII character as a character reference, as an ASCII-only writer does."""
    return "".join(ch if ord(ch) < 128 else (f"&#x{ord(ch):x};" if hexadecimal else f"&#{ord(ch)};") for ch in text)


def test_an_ascii_export_is_read_with_its_keyword_and_name(engine: Engine) -> None:
    xml = ('<?xml version="1.0" encoding="US-ASCII"?>\n<list>\n'
           f"<item><label>{_refs('基礎年金番号')}</label><value>1234-567890</value>"
           f"<name>{_refs('山田 太郎')}</name></item>\n</list>\n")
    result = scan_text_file(engine, "export.xml", xml)
    assert result.file_type == "xml" and result.outcome == Outcome.FINDINGS
    assert reported(result) == {("line 3", "1234-****90")}
    assert any(f.detector == "person_name" for f in result.findings)


def test_full_width_digits_written_as_references_are_not_passed_over(engine: Engine) -> None:
    # no ASCII digit in the bytes at all: the byte prefilter alone would call it clean
    for name in ("letter.html", "letter.xml"):
        body = _refs("山田 太郎様 基礎年金番号 １２３４－５６７８９０", hexadecimal=True)
        text = f"<html><body><p>{body}</p></body></html>" if name.endswith("html") else f"<doc>{body}</doc>"
        assert {masked for _, masked in reported(scan_text_file(engine, name, text))} == {"1234-****90"}, name


def test_markup_without_references_still_skips_on_the_prefilter(engine: Engine) -> None:
    result = scan_text_file(engine, "config.xml", "<config><timeout>30</timeout></config>\n" * 10)
    assert result.outcome == Outcome.CLEAN and result.file_type == "xml"


def test_references_to_line_breaks_and_non_characters_stay_as_written() -> None:
    assert decode_references("a&#10;b&#x0D;c") == "a&#10;b&#x0D;c"  # lines keep their numbers
    assert decode_references("&#xD800;&#99999999;&#x110000;") == "&#xD800;&#99999999;&#x110000;"
    assert decode_references("&#22522;&#x790E; &amp; &lt;x&gt; &quot;&apos; &nbsp;") == "基礎 & <x> \"' &nbsp;"


def test_an_xml_name_over_other_content_is_text(engine: Engine) -> None:
    result = scan_text_file(engine, "notes.xml", "received 1234-567890 by post\n")
    assert result.file_type == "text"


def _export(tags: tuple[str, str, str], count: int = 20) -> str:
    from agent import fakedata

    name, birth, number = tags
    records = "".join(f"  <record>\n    <{name}>{p.name}</{name}>\n    <{birth}>{p.birth:%Y%m%d}</{birth}>\n"
                      f"    <{number}>{p.pension_number}</{number}>\n  </record>\n"
                      for p in fakedata.people(count, seed=12))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<records>\n{records}</records>\n'


@pytest.mark.parametrize("tags", [("SHIMEI", "SEINENGAPPI", "KISO_NENKIN_BANGO"), ("氏名", "生年月日", "基礎年金番号")])
def test_records_are_a_table_under_their_fields_tags(engine: Engine, tags: tuple[str, str, str]) -> None:
    # read as text only, a record in romaji tags had every number low: the export was not flagged
    result = scan_text_file(engine, "export.xml", _export(tags))
    numbers = [f for f in result.findings if f.detector == "pension_number"]
    assert len(numbers) == 20 and {f.confidence for f in numbers} == {Confidence.HIGH}
    assert result.pension_records == 20  # read as text and as a table: each record once


def test_record_cells_are_named_by_record_and_field() -> None:
    from scanner.extract import ScanContext, Source
    from scanner.extract.xml_text import record_tables
    from scanner.limits import Deadline, ScanLimits

    xml = "<r><p><a>1</a><b>2</b></p><p><a>3</a><c>4</c></p><q><x>5</x><y>6</y></q><s>7</s></r>"
    blocks = list(record_tables(Source.from_bytes("x.xml", xml.encode()), ScanContext(ScanLimits(), Deadline(60))))
    assert [(b.where, b.first_row, b.headers, b.rows) for b in blocks] == [
        ("<p>", 1, ["a", "b", "c"], [["1", "2", ""], ["3", "", "4"]]), ("<q>", 1, ["x", "y"], [["5", "6"]])]


@pytest.mark.parametrize("xml", ['<!DOCTYPE r [<!ENTITY e "1234567890">]><r><p><a>&e;</a><b>x</b></p></r>',
                                 "<r><p><a>1</a><b>2</b></p><p><a>3"])
def test_xml_the_parser_refuses_or_cut_short_gives_the_records_before_it_or_none(xml: str) -> None:
    from scanner.extract import ScanContext, Source
    from scanner.extract.xml_text import record_tables
    from scanner.limits import Deadline, ScanLimits

    blocks = list(record_tables(Source.from_bytes("x.xml", xml.encode()), ScanContext(ScanLimits(), Deadline(60))))
    assert all("1234567890" not in cell for b in blocks for row in b.rows for cell in row)  # no entity expanded
