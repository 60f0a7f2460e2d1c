"""Hyperscan's text spans: ``re`` run on them alone finds what ``re`` finds on the whole text,
and an engine with Hyperscan finds what one without it finds."""

from __future__ import annotations

import re
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.detect import Engine, load_engine
from scanner.detect.prefilter import TextSpans, candidate_text, hyperscan_available

pytestmark = pytest.mark.skipif(not hyperscan_available(), reason="hyperscan wheel not installed")
ANCHORS = ["様", "殿", "氏名", "生年", "生年月日"]
CANDIDATES = re.compile(f"(?P<digits>{candidate_text(10)})|(?P<anchor>生年月日|氏名|生年|様|殿)")
# Pieces that make candidates, near misses, runs that chain into each other, and noise.
pieces = st.lists(st.sampled_from([
    "1234-567890", "１２３４５６７８９０", "0123456789012345", "12-34-56", "-", "ー", " ", "\u3000", "7",
    "８", "生年月日", "生年", "氏名", "様", "殿", "山田太郎", "令和6年4月1日", "\n", "\ud800", "。"]), max_size=40)


def _matches(pattern: re.Pattern[str], text: str, spans: list[tuple[int, int]] | None) -> list[tuple[str, int, int]]:
    found = pattern.finditer(text) if spans is None else (m for lo, hi in spans for m in pattern.finditer(text, lo, hi))
    return [(str(m.lastgroup), *m.span()) for m in found]


@given(pieces, st.integers(min_value=0, max_value=500))
@settings(max_examples=400, deadline=None)
def test_re_on_the_spans_finds_what_re_on_the_text_finds(parts: list[str], filler: int) -> None:
    text = "会議" * filler + "".join(parts) + "資料" * (filler // 3)
    spans = TextSpans(10, ANCHORS, "hyperscan").spans(text)
    assert spans is not None
    assert spans == sorted(spans) and all(lo < hi <= lo2 for (lo, hi), (lo2, _) in zip(spans, spans[1:], strict=False))
    assert _matches(CANDIDATES, text, spans) == _matches(CANDIDATES, text, None)


def test_a_text_without_candidates_has_no_spans() -> None:
    spans = TextSpans(10, ANCHORS, "hyperscan").spans("令和6年4月1日 内線2045 金額1,234,567円 " * 2000)
    assert spans == []


def test_without_hyperscan_there_are_no_spans_to_go_by() -> None:
    assert TextSpans(10, ANCHORS, "regex").spans("1234-567890") is None


@given(pieces, st.sampled_from([None, "備考", "基礎年金番号"]))
@settings(max_examples=200, deadline=None)
def test_an_engine_with_hyperscan_finds_what_one_without_finds(parts: list[str], header: str | None) -> None:
    """In running text, and in a table cell (備考: a column no rule looks at as a whole)."""
    text = "基礎年金番号　" + "".join(parts) + "\n本日の会議では2024年5月31日までに提出。" * 20
    with_hs, without = _engines()
    assert _found(with_hs.scan_text(text, header)) == _found(without.scan_text(text, header))


def _found(detection: object) -> list[tuple[str, str, str, float]]:
    findings = detection.findings  # type: ignore[attr-defined]
    return sorted((f.detector, f.location, f.masked, f.score) for f in findings)


@cache
def _engines() -> tuple[Engine, Engine]:
    return load_engine(prefilter="hyperscan"), load_engine(prefilter="regex")
