"""A title over a table's header row (職員名簿, 令和6年4月1日現在) is under none of its columns:
not a name under 氏名, not a birth date under 生年月日, in every format that has tables."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agent import fakedocs
from scanner.detect import Engine, load_engine
from scanner.extract import Source
from scanner.model import Confidence, ScanResult
from scanner.scan import scan_source

ROWS = [["職員名簿"], ["令和6年4月1日現在"],
        ["氏名", "基礎年金番号", "生年月日"],
        ["山田　太郎", "1234-567890", "昭和45年1月2日"],
        ["佐藤　花子", "2345-678901", "昭和46年3月4日"]]


def _csv() -> tuple[str, bytes]:
    return "roster.csv", "\r\n".join(",".join(r) for r in ROWS).encode("cp932")


def _html() -> tuple[str, bytes]:
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in ROWS)
    return "roster.html", f"<html><body><table>{body}</table></body></html>".encode()


def _docx() -> tuple[str, bytes]:
    return "roster.docx", fakedocs.docx(tables=[ROWS])


def _xlsx() -> tuple[str, bytes]:
    return "roster.xlsx", fakedocs.xlsx_from_rows({"名簿": ROWS})


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


@pytest.mark.parametrize("make", [_csv, _html, _docx, _xlsx], ids=["csv", "html", "docx", "xlsx"])
def test_a_title_over_the_header_is_not_a_record(engine: Engine, make: Callable[[], tuple[str, bytes]]) -> None:
    name, data = make()
    result: ScanResult = scan_source(Source.from_bytes(name, data), engine)
    by_detector: dict[str, list[str]] = {}
    for f in result.findings:
        by_detector.setdefault(f.detector, []).append(f.masked)
    assert sorted(by_detector["person_name"]) == ["佐* **", "山* **"]  # not 職***
    assert len(by_detector["birth_date"]) == 2  # not the 令和6年4月1日 of the title
    assert sorted(by_detector["pension_number"]) == ["1234-****90", "2345-****01"]
    assert all(f.confidence >= Confidence.MEDIUM for f in result.findings)
    assert result.pension_records == 2
