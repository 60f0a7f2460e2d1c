"""Keyword and header context: Latin labels are words, not letters inside other words."""

from __future__ import annotations

import pytest

from scanner.detect import load_engine
from scanner.detect.context import HeaderContext, KeywordContext
from scanner.detect.rules import ContextSpec
from scanner.model import Confidence

SPEC = ContextSpec(positive={"年金番号": 0.45, "birth": 0.4}, negative={"TEL": -0.6, "FAX": -0.6})


@pytest.mark.parametrize("text", ["HOTEL", "INTEL", "ホテルはMOTELです", "rebirth", "hotel"])
def test_latin_keyword_inside_a_latin_word_is_not_a_hit(text: str) -> None:
    assert KeywordContext(SPEC).hits(text) == []


@pytest.mark.parametrize(("text", "word"), [
    ("TEL 03-1234-5678", "tel"), ("携帯TEL：090", "tel"), ("(tel)", "tel"), ("TELNo.03", "tel"),
    ("FAX1 03", "fax"), ("birthday", "birth"), ("年金番号", "年金番号"), ("基礎年金番号", "年金番号"),
])
def test_labels_are_found_at_a_word_start_or_beside_japanese(text: str, word: str) -> None:
    assert [h.word for h in KeywordContext(SPEC).hits(text)] == [word]


def test_header_latin_label_must_start_a_word() -> None:
    headers = HeaderContext(SPEC)
    assert headers.score("HOTEL名") == (0.0, ())
    assert headers.score("TEL番号")[0] == pytest.approx(-0.6)
    assert headers.score("自宅tel")[0] == pytest.approx(-0.6)


def test_hotel_beside_a_labelled_pension_number_does_not_lower_it() -> None:
    engine = load_engine(hasher=lambda v: f"h({len(v)})")

    def level(text: str) -> int:
        found = [f.confidence for f in engine.scan_text(text).findings if f.detector == "pension_number"]
        return max(found, default=0)

    assert level("年金番号（HOTEL）1234-567890") >= Confidence.MEDIUM
    assert level("年金番号（TEL）1234-567890") < Confidence.MEDIUM  # the real label still wins
