"""Column headers in Latin letters, as system exports write them, read as Japanese labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules import default_rules_dir
from scanner.detect import RulesError, load_engine
from scanner.detect.header_aliases import FILE_NAME, HeaderAliases
from scanner.extract import Source
from scanner.model import Confidence
from scanner.scan import scan_source


@pytest.fixture(scope="module")
def shipped() -> HeaderAliases:
    return HeaderAliases.load(default_rules_dir())


@pytest.mark.parametrize(("header", "label"), [
    ("KISO_NENKIN_BANGO", "基礎年金番号"), ("kiso-nenkin-no", "基礎年金番号"), ("Pension No.", "基礎年金番号"),
    ("HIHOKENSHA_SHIMEI", "氏名"), ("KANA_SHIMEI", "フリガナ"), ("Full Name", "氏名"), ("Date of Birth", "生年月日"),
    ("SEINENGAPPI", "生年月日"), ("birth_date", "生年月日"),
])
def test_latin_headers_read_as_their_japanese_label(shipped: HeaderAliases, header: str, label: str) -> None:
    assert shipped.label(header) == label


@pytest.mark.parametrize("header", ["company_name", "file_name", "hostname", "user_name", "TEL", "氏名", "",
                                    "nenkin_gaku", "name"])  # a bare name names anything in English data
def test_other_headers_stay_as_they_are(shipped: HeaderAliases, header: str) -> None:
    assert shipped.label(header) == header


def _rules_with(tmp_path: Path, aliases: str) -> Path:
    rules = tmp_path / "rules"
    (rules / "detectors").mkdir(parents=True)
    for rule in (default_rules_dir() / "detectors").glob("*.yaml"):
        (rules / "detectors" / rule.name).write_bytes(rule.read_bytes())
    (rules / FILE_NAME).write_text(aliases, encoding="utf-8")
    return rules


@pytest.mark.parametrize(("aliases", "problem"), [
    ("whole: {SHIMEI: 氏名}", "lowercased"),
    ("whole: {shimei: name}", "Japanese label"),
    ("words: {}", "'whole', 'ending' and 'raw_words'"),
    ("whole: [shimei]", "mapping"),
    ("raw_words: [Nenkin]", "lowercased Latin words"),
])
def test_a_wrong_alias_file_is_refused_with_its_name(tmp_path: Path, aliases: str, problem: str) -> None:
    with pytest.raises(RulesError) as err:
        HeaderAliases.load(_rules_with(tmp_path, aliases))
    assert FILE_NAME in str(err.value) and problem in str(err.value)


def test_the_aliases_are_part_of_the_rules_version(tmp_path: Path) -> None:
    one = load_engine(_rules_with(tmp_path / "a", "whole: {shimei: 氏名}"), check_examples=False)
    two = load_engine(_rules_with(tmp_path / "b", "whole: {namae: 氏名}"), check_examples=False)
    assert one.version != two.version


@pytest.mark.parametrize("header", ["SHIMEI,KANA_SHIMEI,SEINENGAPPI,KISO_NENKIN_BANGO",
                                    "full_name,kana,birth_date,pension_no"])
def test_a_system_export_with_latin_headers_is_a_roster(header: str) -> None:
    # each number was LOW (no header context), names and birth dates not looked at: the
    # export of a pension roster was no finding at the reporting threshold
    rows = [header, "山田 太郎,ﾔﾏﾀﾞ ﾀﾛｳ,19700102,1234567890", "佐藤 花子,ｻﾄｳ ﾊﾅｺ,19750304,2345678901"]
    result = scan_source(Source.from_bytes("export.csv", "\n".join(rows).encode("cp932")), load_engine())
    found = {(f.detector, f.location, f.confidence) for f in result.findings}
    assert {(f"{d}", f"{c}{r}", Confidence.HIGH) for r in (2, 3)
            for d, c in (("person_name", "A"), ("person_name", "B"), ("birth_date", "C"),
                         ("pension_number", "D"))} == found
    assert result.pension_records == 2



def test_nine_digits_under_a_latin_pension_header_pass_the_byte_prefilter() -> None:
    # no ten-digit run and no Japanese header word in the bytes: the file was skipped as clean
    data = "SHIMEI,KISO_NENKIN_BANGO\n山田 太郎,123456789\n".encode("cp932")
    result = scan_source(Source.from_bytes("export.csv", data), load_engine())
    assert {(f.detector, f.masked, f.confidence) for f in result.findings if f.detector == "pension_number"} == {
        ("pension_number", "0123-****89", Confidence.HIGH)}
