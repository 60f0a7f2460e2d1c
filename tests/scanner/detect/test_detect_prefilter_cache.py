"""The compiled Hyperscan database is cached on disk: a second prefilter loads it instead of
compiling, answers the same, and a damaged or unwritable cache only means compiling again."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.detect import prefilter
from scanner.detect.prefilter import Prefilter, hyperscan_available

pytestmark = pytest.mark.skipif(not hyperscan_available(), reason="hyperscan wheel not installed")

ANCHORS = ["様", "氏名"]
SAMPLES = [b"", b"no digits here", b"tel 03-1234", b"1234-567890", "１２３４５６７８９０".encode(),
           "山田太郎様".encode("cp932"), "氏名".encode("euc-jp"), b"12 34 56 78 90"]


def answers(pf: Prefilter) -> list[bool]:
    return [pf.bytes_may_match(sample) for sample in SAMPLES]


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts Hyperscan compilations."""
    calls: list[int] = []
    real = prefilter._compile

    def counting(*args: object) -> object:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(prefilter, "_compile", counting)
    return calls


def cache_files(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("*.hsdb"))


def test_second_prefilter_loads_the_cache_and_answers_the_same(tmp_path: Path, compiles: list[int]) -> None:
    first = Prefilter(ANCHORS, "hyperscan", cache_dir=tmp_path)
    assert len(compiles) == 1 and len(cache_files(tmp_path)) == 1
    second = Prefilter(ANCHORS, "hyperscan", cache_dir=tmp_path)
    assert len(compiles) == 1  # loaded, not compiled
    assert answers(second) == answers(first) == answers(Prefilter(ANCHORS, "regex"))
    assert True in answers(second) and False in answers(second)


def test_other_expressions_get_their_own_entry(tmp_path: Path, compiles: list[int]) -> None:
    Prefilter(ANCHORS, "hyperscan", cache_dir=tmp_path)
    Prefilter(ANCHORS, "hyperscan", min_digits=12, cache_dir=tmp_path)
    Prefilter(["殿"], "hyperscan", cache_dir=tmp_path)
    assert len(compiles) == 3 and len(cache_files(tmp_path)) == 3


@pytest.mark.parametrize("damage", [
    lambda blob: b"",
    lambda blob: blob[: len(blob) // 2],
    lambda blob: blob[:100] + bytes([blob[100] ^ 0xFF]) + blob[101:],
    lambda blob: b"\0" * len(blob),
])
def test_a_damaged_cache_is_recompiled_and_rewritten(tmp_path: Path, compiles: list[int],
                                                     damage: Callable[[bytes], bytes]) -> None:
    expected = answers(Prefilter(ANCHORS, "hyperscan", cache_dir=tmp_path))
    [entry] = cache_files(tmp_path)
    good = entry.read_bytes()
    entry.write_bytes(damage(good))
    assert answers(Prefilter(ANCHORS, "hyperscan", cache_dir=tmp_path)) == expected
    assert len(compiles) == 2
    assert entry.read_bytes() == good  # rewritten: the next start loads it again
    Prefilter(ANCHORS, "hyperscan", cache_dir=tmp_path)
    assert len(compiles) == 2


def test_a_database_hyperscan_rejects_is_recompiled(tmp_path: Path, compiles: list[int]) -> None:
    # A well-formed entry whose payload is not a database (as one made by another Hyperscan
    # build or for other CPU features would be refused): compiled again, same answers.
    expected = answers(Prefilter(ANCHORS, "hyperscan", cache_dir=tmp_path))
    [entry] = cache_files(tmp_path)
    prefilter._write_cache(entry, b"not a hyperscan database")
    assert answers(Prefilter(ANCHORS, "hyperscan", cache_dir=tmp_path)) == expected
    assert len(compiles) == 2


def test_an_unwritable_cache_still_gives_a_working_prefilter(tmp_path: Path, compiles: list[int]) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    pf = Prefilter(ANCHORS, "hyperscan", cache_dir=blocked / "prefilter")
    assert answers(pf) == answers(Prefilter(ANCHORS, "regex"))
    Prefilter(ANCHORS, "hyperscan", cache_dir=blocked / "prefilter")
    assert len(compiles) == 2  # nothing cached, nothing broken


def test_cache_folder_is_private_and_bounded(tmp_path: Path, compiles: list[int]) -> None:
    cache_dir = tmp_path / "cache" / "prefilter"
    for n in range(prefilter._CACHED_DATABASES_KEPT + 3):
        Prefilter([f"anchor{n}"], "hyperscan", cache_dir=cache_dir)
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    assert len(cache_files(cache_dir)) == prefilter._CACHED_DATABASES_KEPT
    assert not list(cache_dir.glob(".*"))  # no temporary file left behind


def test_default_cache_dir_is_the_user_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert prefilter.default_cache_dir() == tmp_path / "pii-agent" / "prefilter"


def test_an_entry_others_could_write_is_not_trusted(tmp_path: Path, compiles: list[int]) -> None:
    Prefilter(ANCHORS, "hyperscan", cache_dir=tmp_path)
    [entry] = cache_files(tmp_path)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    entry.chmod(0o666)
    Prefilter(ANCHORS, "hyperscan", cache_dir=tmp_path)
    assert len(compiles) == 2
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600  # rewritten as our own


def test_a_hyperscan_that_cannot_compile_here_falls_back_to_re(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wheel that imports on a CPU it cannot compile for (no SSSE3): auto answers with re,
    the same answers; asking for hyperscan by name says why it cannot."""
    import hyperscan

    def refuse(*_args: object) -> object:
        raise hyperscan.error("this CPU lacks SSSE3")

    monkeypatch.setattr(prefilter, "_compile", refuse)
    auto = Prefilter(ANCHORS, "auto", cache_dir=tmp_path)
    assert auto.backend == "regex" and answers(auto) == answers(Prefilter(ANCHORS, "regex"))
    assert prefilter.TextSpans(10, ANCHORS, "auto", cache_dir=tmp_path).spans("1234-567890") is None
    with pytest.raises(hyperscan.error, match="SSSE3"):
        Prefilter(ANCHORS, "hyperscan", cache_dir=tmp_path)
