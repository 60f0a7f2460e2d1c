"""The byte prefilter: both backends agree, and False really means nothing can match."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.detect import Engine, load_engine
from scanner.detect.prefilter import Prefilter, hyperscan_available

needs_hyperscan = pytest.mark.skipif(not hyperscan_available(), reason="hyperscan wheel not installed")
ANCHORS = ["様", "殿", "氏名"]
ENCODINGS = ["utf-8", "cp932", "euc-jp"]
# Bytes with no digit in any encoding, to surround plants with noise.
noise = st.binary(max_size=200).map(lambda b: bytes(x for x in b if not 0x30 <= x <= 0x39))
plants = st.sampled_from(["1234-567890", "１２３４５６７８９０", "山田太郎様", "氏名", "殿", "abc", "", "ー",
                          "1 2 3 4 - 5 6 7 8 9 0", "1 - 2 - 3 - 4 - 5 - 6 - 7 - 8 - 9 - 0",
                          "1234-\n567890", "1234ー\r\n567890", "1234\n567890"])


@needs_hyperscan
@given(noise, plants, st.sampled_from(ENCODINGS), noise)
@settings(max_examples=300)
def test_detect_prefilter_backends_agree(before: bytes, plant: str, encoding: str, after: bytes) -> None:
    data = before + plant.encode(encoding) + after
    regex_pf, hs_pf = Prefilter(ANCHORS, "regex"), Prefilter(ANCHORS, "hyperscan")
    assert regex_pf.bytes_may_match(data) == hs_pf.bytes_may_match(data)


@needs_hyperscan
@given(st.binary(max_size=300))
def test_detect_prefilter_backends_agree_on_any_bytes(data: bytes) -> None:
    assert Prefilter(ANCHORS, "regex").bytes_may_match(data) == Prefilter(ANCHORS, "hyperscan").bytes_may_match(data)


@pytest.mark.parametrize("backend", ["regex", pytest.param("hyperscan", marks=needs_hyperscan)])
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_detect_prefilter_sees_fullwidth_digits_and_anchors(backend: str, encoding: str) -> None:
    pf = Prefilter(ANCHORS, backend)
    assert pf.bytes_may_match("番号は１２３４ー５６７８９０です".encode(encoding))
    assert pf.bytes_may_match("番号は1234ー567890です".encode(encoding))
    assert pf.bytes_may_match("個人番号 1234 5678 9012".encode(encoding))
    assert pf.bytes_may_match("番号は1234-\r\n567890です".encode(encoding))  # wrapped at its dash
    assert not pf.bytes_may_match("番号は1234\n567890です".encode(encoding))  # a line break alone parts two numbers
    assert pf.bytes_may_match("山田太郎様".encode(encoding))
    assert pf.bytes_may_match("氏名".encode(encoding))
    assert not pf.bytes_may_match("会議の議事録です。".encode(encoding))
    # Digits every office file has (dates, amounts, extensions) are not candidates.
    assert not pf.bytes_may_match("令和6年4月1日 2024/05/31 内線2045 金額 1,234,567円 ２０２４年".encode(encoding))


def test_detect_prefilter_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError):
        Prefilter([], "grep")


@given(st.text(max_size=80))
@settings(max_examples=200, deadline=None)
def test_detect_prefilter_false_means_scan_finds_nothing(text: str) -> None:
    engine = _engine()
    if not engine.prefilter_text(text):
        assert engine.scan_text(text).findings == []
    if not engine.prefilter(text.encode("utf-8", "surrogatepass")):
        assert engine.scan_text(text).findings == []


@cache
def _engine() -> Engine:
    return load_engine()
