"""XML read as text with character references decoded; markup whose references may spell
what the raw bytes do not show is never judged clean by the byte prefilter alone."""

from __future__ import annotations

import pytest

from scanner.detect import Engine, load_engine
from scanner.extract.xml_text import decode_references
from scanner.model import Outcome
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
