"""Labels set out with spaces: 氏　　名 filling its cell (均等割付), 基 礎 年 金 番 号 from a PDF."""

from __future__ import annotations

import pytest

from scanner.detect import Engine, load_engine
from scanner.detect.normalize import without_cjk_spaces
from scanner.model import Confidence


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _levels(engine: Engine, text: str, header: str | None = None, detector: str = "pension_number") -> list[Confidence]:
    return [f.confidence for f in engine.scan_text(text, header=header).findings if f.detector == detector]


@pytest.mark.parametrize(("text", "expected"), [
    ("氏  名", "氏名"), ("基 礎 年 金 番 号", "基礎年金番号"), ("年\t金 番  号", "年金番号"),
    ("my number", "my number"), ("TEL 03", "TEL 03"), ("氏名 yamada", "氏名 yamada"), ("山田 太郎", "山田太郎"),
])
def test_only_spaces_between_japanese_characters_go(text: str, expected: str) -> None:
    assert without_cjk_spaces(text) == expected


@pytest.mark.parametrize("text", [
    "年　金　番　号　1234567890",
    "基礎年金　番号：1234567890",
    "基 礎 年 金 番 号 1 2 3 4 - 5 6 7 8 9 0",
])
def test_a_spaced_label_in_text_is_the_keyword(engine: Engine, text: str) -> None:
    assert _levels(engine, text) and min(_levels(engine, text)) >= Confidence.MEDIUM


@pytest.mark.parametrize("header", ["年　金　番　号", "基 礎 年 金 番 号", "基礎年金　　番号"])
def test_a_spaced_header_names_its_column(engine: Engine, header: str) -> None:
    for value in ("1234567890", "123456789"):  # the number, and the number with its zero dropped
        levels = _levels(engine, value, header)
        assert len(levels) == 1 and levels[0] >= Confidence.MEDIUM, value


def test_a_spaced_name_header_is_a_name_column(engine: Engine) -> None:
    assert _levels(engine, "山田 太郎", "氏　　名", "person_name") == [Confidence.HIGH]


def test_spaced_negative_labels_still_count_and_latin_words_are_not_spread(engine: Engine) -> None:
    assert max(_levels(engine, "0312345678", "電　話"), default=Confidence.LOW) <= Confidence.LOW
    assert min(_levels(engine, "my number 123456789018", detector="my_number")) >= Confidence.MEDIUM
    assert max(_levels(engine, "m y n u m b e r 123456789018", detector="my_number")) <= Confidence.LOW


def test_a_label_s_characters_do_not_join_across_other_text(engine: Engine) -> None:
    # 年金 … 番号 with words between is not 年金番号: only spaces may come between
    assert max(_levels(engine, "年金の記録と番号 1234567890"), default=Confidence.LOW) <= Confidence.LOW


@pytest.mark.parametrize("label", ["氏名", "氏　　名", "氏 名"])
def test_a_spaced_name_label_in_a_record_vouches_for_a_rare_name(engine: Engine, label: str) -> None:
    # 鬼瓦 is in no dictionary: the label is what makes it a name. (A spaced label opens no
    # window of its own, as 氏名 does: here the number beside it opens the record's.)
    text = f"{label}：鬼瓦 権蔵\n基礎年金番号 1234-567890"
    assert _levels(engine, text, detector="person_name") == [Confidence.MEDIUM]
