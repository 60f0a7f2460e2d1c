"""RTF letters: Japanese escaped byte by byte (\\'hh in code page 932) or as \\uN is read as text."""

from __future__ import annotations

import pytest

from scanner.detect import Engine, load_engine
from scanner.extract import Source
from scanner.extract.rtf import code_page, drop_binary_groups
from scanner.model import Confidence, Outcome, ScanResult
from scanner.scan import scan_source


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _escaped(text: str, encoding: str = "cp932") -> str:
    """Text as WordPad writes it: ASCII as is, the rest as \\'hh bytes of the code page."""
    return "".join(ch if ord(ch) < 128 else "".join(f"\\'{b:02x}" for b in ch.encode(encoding)) for ch in text)


def _unicode(text: str) -> str:
    """Text as Word writes it: \\uN with a ? fallback."""
    return "".join(ch if ord(ch) < 128 else f"\\u{ord(ch)}?" for ch in text)


def _rtf(body: str, header: str = r"\ansi\ansicpg932") -> bytes:
    font = r"{\fonttbl{\f0\fnil\fcharset128 " + _escaped("ＭＳ 明朝") + ";}}"
    return ("{\\rtf1" + header + "\\deff0" + font + r"{\*\generator Riched20 10.0;}\viewkind4\uc1\pard\f0\fs21 "
            + body + "\\par\n}").encode("ascii")


def _pension(result: ScanResult) -> set[tuple[str, str]]:
    return {(f.location, f.masked) for f in result.findings
            if f.detector == "pension_number" and f.confidence >= Confidence.MEDIUM}


@pytest.mark.parametrize("encode", [_escaped, _unicode])
def test_letter_is_read_with_its_keyword(engine: Engine, encode) -> None:
    body = encode("山田 太郎 様") + r"\par " + encode("あなたの基礎年金番号は 1234-567890 です。")
    result = scan_source(Source.from_bytes("通知.rtf", _rtf(body)), engine)
    assert result.file_type == "rtf" and result.outcome == Outcome.FINDINGS
    assert _pension(result) == {("line 2", "1234-****90")}


def test_code_page_from_the_header() -> None:
    assert code_page(rb"{\rtf1\ansi\ansicpg932\deff0") == "cp932"
    assert code_page(rb"{\rtf1\ansi\deff0{\fonttbl{\f0\fcharset128 x;}}") == "cp932"
    assert code_page(rb"{\rtf1\ansi\ansicpg1252\deff0") == "cp1252"
    assert code_page(rb"{\rtf1\ansi\ansicpg99999") == "cp1252"


def test_undecodable_escapes_are_a_recorded_problem(engine: Engine) -> None:
    body = _escaped("基礎年金番号 1234-567890") + r"\'81\'ff"  # not a CP932 character
    result = scan_source(Source.from_bytes("a.rtf", _rtf(body)), engine)
    assert _pension(result) == {("line 1", "1234-****90")}
    assert any("encoding" in p.reason for p in result.parts)


def test_pictures_are_cut_out_before_the_text_is_read(engine: Engine) -> None:
    picture = r"{\*\shppict{\pict{\*\picprop{\sp{\sn x}}}\pngblip " + "89504e47" * 50_000 + "}}"
    body = _escaped("基礎年金番号") + " 1234-567890 " + picture + r" \{" + _escaped("山田") + r"\}"
    assert "89504e47" not in drop_binary_groups(body)
    assert drop_binary_groups(body).endswith(r" \{" + _escaped("山田") + r"\}")
    result = scan_source(Source.from_bytes("a.rtf", _rtf(body)), engine)
    assert _pension(result) == {("line 1", "1234-****90")}


def test_a_table_in_rtf_is_a_table_under_its_header(engine: Engine) -> None:
    # striprtf writes 氏名|基礎年金番号| rows: read as text, only the rows near the header were medium
    from agent import fakedata

    rows = [["氏名", "基礎年金番号"]] + [[p.name, p.pension_number] for p in fakedata.people(30, seed=14)]
    body = "".join(r"\trowd\cellx2000\cellx4000 " + "".join(rf"\intbl {_escaped(cell)}\cell " for cell in row)
                   + "\\row\n" for row in rows)
    result = scan_source(Source.from_bytes("名簿.rtf", _rtf(_escaped("拝啓") + r"\par " + body)), engine)
    numbers = [f for f in result.findings if f.detector == "pension_number"]
    assert len(numbers) == 30 and {f.confidence for f in numbers} == {Confidence.HIGH}
    assert {f.location for f in numbers} == {f"table 1!B{row}" for row in range(2, 32)}
