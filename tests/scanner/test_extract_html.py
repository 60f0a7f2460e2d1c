"""HTML pages and the HTML-as-.xls exports of business systems: tables keep their headers."""

from __future__ import annotations

import pytest

from scanner.detect import Engine, load_engine
from scanner.extract import Source, sniff
from scanner.model import Confidence, Outcome, ScanResult
from scanner.scan import scan_source


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _report(rows: int) -> str:
    body = "".join(f"<tr><td>架空 {i}郎</td><td>{1000 + i}{567000 + i:06d}</td><td>東京都</td></tr>" for i in range(rows))
    return ('<html><head><meta charset="Shift_JIS"><title>受給者一覧</title><style>td { color: red }</style>'
            '<script>var tel = "0312345678";</script></head><body><h1>受給者一覧</h1><p>作成：年金課</p>'
            f"<table border=1><tr><th>氏名</th><th>基礎年金番号</th><th>住所</th></tr>{body}</table>"
            "<p>以上</p></body></html>")


def _pension(result: ScanResult) -> list[tuple[str, Confidence]]:
    return [(f.location, Confidence.from_score(f.score)) for f in result.findings if f.detector == "pension_number"]


@pytest.mark.parametrize("name", ["受給者一覧.html", "export.xls"])  # systems name HTML tables .xls
def test_a_table_header_gives_context_hundreds_of_rows_below(engine: Engine, name: str) -> None:
    result = scan_source(Source.from_bytes(name, _report(300).encode("cp932")), engine)
    assert result.file_type == "html" and result.outcome == Outcome.FINDINGS
    found = _pension(result)
    assert len(found) == 300 and {level for _, level in found} == {Confidence.HIGH}
    assert ("table 1!B301", Confidence.HIGH) in found  # bare ten digits: only the <th> makes them pension numbers


def test_text_outside_tables_loses_its_tags_and_scripts_are_skipped(engine: Engine) -> None:
    page = ("<html><body><div>山田 太郎 様</div><p>あなたの<b>基礎年金番号</b>は "
            "<span>1234-567890</span> です。</p><script>document.write('2345-678901')</script></body></html>")
    result = scan_source(Source.from_bytes("notice.htm", page.encode()), engine)
    assert [(f.location, f.masked) for f in result.findings if f.detector == "pension_number"] == [
        ("text", "1234-****90")]


def test_sniffing() -> None:
    assert sniff(Source.from_bytes("a.txt", b"\xef\xbb\xbf<!DOCTYPE html><html>")).name == "html"
    assert sniff(Source.from_bytes("a.txt", "会議メモ <重要>".encode())).name == "text"


def test_a_report_in_pre_is_read_as_a_listing(engine: Engine) -> None:
    # a mainframe report published as HTML: a header line over plain rows in <pre>
    rows = "\n".join(f"架空　{i}郎　{1000 + i}{567000 + i:06d}" for i in range(40))
    page = f"<html><body><h1>受給者一覧</h1><pre>\n氏名　基礎年金番号\n{rows}\n</pre></body></html>"
    found = _pension(scan_source(Source.from_bytes("一覧.html", page.encode("utf-8")), engine))
    assert len(found) == 40 and all(level >= Confidence.MEDIUM for _, level in found)
    assert all(location.startswith("text!B") for location, _ in found)


@pytest.mark.parametrize("ruby", ["<ruby>山田<rp>(</rp><rt>やまだ</rt><rp>)</rp></ruby>", "<ruby>山田<rt>やまだ</ruby>",
                                  "<ruby>山<rt>やま</rt>田<rt>だ</rt></ruby>"])
def test_a_ruby_reading_is_no_text_of_the_page(engine: Engine, ruby: str) -> None:
    # read inline, 山田(やまだ)　太郎様 was no name of anyone
    page = f"<html><body><p>{ruby}　太郎様</p><p>基礎年金番号：1234-567890</p></body></html>"
    result = scan_source(Source.from_bytes("letter.html", page.encode()), engine)
    names = {(f.masked, f.confidence) for f in result.findings if f.detector == "person_name"}
    assert names == {("山* **", Confidence.HIGH)}



def test_cells_spanning_columns_and_rows_leave_the_cells_they_cover_empty() -> None:
    from scanner.extract.html import _Collector

    page = ("<table><tr><th colspan=2>氏名</th><th rowspan=2>生年月日</th><th colspan=2>基礎年金番号</th></tr>"
            "<tr><th>姓</th><th>名</th><th>記号</th><th>番号</th></tr>"
            "<tr><td>山田</td><td>太郎</td><td>昭和45年1月2日</td><td>1234</td><td>567890</td></tr></table>")
    collector = _Collector()
    collector.feed(page)
    collector.close()
    assert collector.tables == [[["氏名", "", "生年月日", "基礎年金番号", ""], ["姓", "名", "", "記号", "番号"],
                                 ["山田", "太郎", "昭和45年1月2日", "1234", "567890"]]]


def test_a_roster_under_merged_header_cells_is_found(engine: Engine) -> None:
    # without the spans, 基礎年金番号 headed the given names and the numbers were low
    page = ("<table><tr><th colspan=2>氏名</th><th>基礎年金番号</th></tr>"
            "<tr><td>山田</td><td>太郎</td><td>1234567890</td></tr>"
            "<tr><td>佐藤</td><td>花子</td><td>2345678901</td></tr></table>")
    result = scan_source(Source.from_bytes("roster.html", page.encode()), engine)
    assert sorted(_pension(result)) == [("table 1!C2", Confidence.HIGH), ("table 1!C3", Confidence.HIGH)]


def test_spans_a_hostile_page_sets_add_a_bounded_number_of_cells() -> None:
    from scanner.extract.html import _MAX_PLACED, _Collector

    # one cell spanning a thousand columns down every row would put a thousand empty cells in each
    page = "<table><tr><td colspan=5000 rowspan=65534>x</td></tr>" + "<tr><td>y</td></tr>" * 3000 + "</table>"
    collector = _Collector()
    collector.feed(page)
    collector.close()
    (table,) = collector.tables
    assert len(table) == 3001 and sum(map(len, table)) <= _MAX_PLACED + 3001 + 1000
    assert len(table[0]) == 1000  # the span cut at the widest row allowed
