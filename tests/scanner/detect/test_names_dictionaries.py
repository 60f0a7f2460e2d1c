"""The shipped IPADIC-derived lists: content, licence notice, reproducibility, load cost."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scanner.detect.names import default_dictionary_dir, load_name_dictionaries

IPADIC = Path("/usr/share/mecab/dic/ipadic/Noun.name.csv")


def test_common_surnames_and_given_names_are_present() -> None:
    dicts = load_name_dictionaries()
    for surname in ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "佐々木"):
        assert dicts.is_surname(surname), surname
    for given_name in ("太郎", "花子", "一郎", "健一", "誠"):
        assert dicts.is_given(given_name), given_name
    assert {"サトウ", "スズキ", "タカハシ"} <= dicts.surname_readings
    assert {"タロウ", "ハナコ"} <= dicts.given_readings


def test_running_text_scan_uses_only_kanji_surnames() -> None:
    dicts = load_name_dictionaries()
    assert "やまもと" in dicts.readings  # kept for readings
    assert not dicts.is_surname("やまもと")  # but hiragana words never start a name scan


def test_lists_ship_with_the_ipadic_notice() -> None:
    directory = default_dictionary_dir()
    notice = (directory / "NOTICE.ipadic").read_text(encoding="utf-8")
    assert "NO WARRANTY" in notice and "Nara Institute of Science" in notice
    for name in ("surnames.ipadic.tsv", "given_names.ipadic.tsv"):
        first = (directory / name).read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# IPADIC") and "NOTICE.ipadic" in first


def test_loading_is_cached_and_fast() -> None:
    directory = default_dictionary_dir().resolve()
    load_name_dictionaries.cache_clear()
    started = time.perf_counter()
    first = load_name_dictionaries(directory)
    assert time.perf_counter() - started < 2.0
    assert load_name_dictionaries(directory) is first


@pytest.mark.skipif(not IPADIC.exists(), reason="needs Debian's mecab-ipadic (apt-get install mecab-ipadic)")
def test_shipped_lists_are_reproduced_exactly_by_the_build_script() -> None:
    import importlib.util

    script = Path(__file__).resolve().parents[3] / "tools" / "build_name_dictionaries.py"
    spec = importlib.util.spec_from_file_location("build_name_dictionaries", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0
