"""LZH (LHA) archives: CP932 member names, stored (-lh0-) and compressed (-lh5-) members."""

from __future__ import annotations

import base64
import dataclasses

import pytest

from scanner.detect import Engine, load_engine
from scanner.extract import Source
from scanner.extract.lzh import member_name
from scanner.limits import ScanLimits
from scanner.model import Outcome, ScanResult
from scanner.scan import scan_source

# Made with jLHA (`lha ay`) from generated fake data: 名簿.csv stored (-lh0-) and 名簿2.csv, the
# same roster 30 times, compressed (-lh5-); names in CP932, level-2 headers.
ROSTER_LZH = base64.b64decode(
    "KgAtbGgwLSoAAAAqAAAAMD4JayACW+IABQAAQ+ALAAGWvJXrLmNzdgAAjoGWvCyK7pFilE6L4JTUjYYNCo5Sk2Mgkb6YWSwxMjM0LTU2"
    "Nzg5MA0KKwAtbGg1LU0AAADsBAAANz4JayACQLMABQAAjBgMAAGWvJXrMi5jc3YAAAAuSnOJf7Og73QoKqqvABwONytwJsNgokEki4Hx"
    "cAbRardcqbhV7gAAmuO/Jc/bUvHTy/euQxVltgS3XEyoSpZmNc+B/jBSFIUhT/SAAA==")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _scan(engine: Engine, data: bytes, limits: ScanLimits | None = None) -> ScanResult:
    return scan_source(Source.from_bytes("古い共有/送付.lzh", data), engine, limits)


def test_both_members_are_read(engine: Engine) -> None:
    result = _scan(engine, ROSTER_LZH)
    assert result.file_type == "lzh" and result.outcome == Outcome.FINDINGS and result.parts == []
    [number] = [f for f in result.findings if f.detector == "pension_number"]
    assert (number.location, number.masked) == ("名簿.csv!B2", "1234-****90")
    assert number.occurrences == 31  # once stored, thirty times in the compressed member


def test_a_damaged_member_is_named_and_the_rest_is_read(engine: Engine) -> None:
    damaged = bytearray(ROSTER_LZH)
    damaged[-20] ^= 0xFF  # inside 名簿2.csv's compressed data: its CRC fails
    result = _scan(engine, bytes(damaged))
    assert result.outcome == Outcome.FINDINGS
    assert [(p.where, p.outcome) for p in result.parts] == [("名簿2.csv", Outcome.ERROR)]


def test_declared_sizes_meet_the_archive_limits(engine: Engine) -> None:
    result = _scan(engine, ROSTER_LZH, dataclasses.replace(ScanLimits(), archive_max_total_bytes=1000))
    assert result.outcome == Outcome.LIMIT_EXCEEDED


def test_member_names_are_cp932() -> None:
    assert member_name("名簿\\一覧.csv".encode("cp932").decode("latin-1")) == "名簿/一覧.csv"
    assert member_name("list.csv") == "list.csv"
