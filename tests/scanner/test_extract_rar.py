"""RAR archives (RAR 4 and RAR 5): members read like files, protection told without the
password, and a compressed member with no tool to decompress it named, never clean."""

from __future__ import annotations

import dataclasses
import io

import pytest
import rarfile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent import fakerar
from scanner import protection
from scanner.detect import Engine, load_engine
from scanner.extract import Source
from scanner.limits import ScanLimits
from scanner.model import Outcome, ScanResult
from scanner.scan import scan_source

ROSTER = "氏名,基礎年金番号\r\n山田 太郎,1234-567890\r\n佐藤 花子,2345-678901\r\n".encode("cp932")
MEMO = "来週の会議は第二会議室です。".encode("cp932")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _scan(engine: Engine, data: bytes, limits: ScanLimits | None = None) -> ScanResult:
    return scan_source(Source.from_bytes("共有/送付.rar", data), engine, limits)


def _pension(result: ScanResult) -> set[tuple[str, str]]:
    return {(f.location, f.masked) for f in result.findings if f.detector == "pension_number"}


@pytest.mark.parametrize("write", [fakerar.rar5, fakerar.rar4], ids=["rar5", "rar4"])
def test_members_are_read_like_files(engine: Engine, write) -> None:
    result = _scan(engine, write({"人事/名簿.csv": ROSTER, "連絡.txt": MEMO}))
    assert result.file_type == "rar" and result.outcome == Outcome.FINDINGS and result.parts == []
    assert _pension(result) == {("人事/名簿.csv!B2", "1234-****90"), ("人事/名簿.csv!B3", "2345-****01")}


def test_rar4_names_in_the_japanese_code_page_are_cp932(engine: Engine) -> None:
    # rarfile alone would read these bytes as UTF-16
    result = _scan(engine, fakerar.rar4({"名簿.csv": ROSTER}, cp932_names=True))
    assert {location for location, _ in _pension(result)} == {"名簿.csv!B2", "名簿.csv!B3"}


@pytest.mark.parametrize(("write", "method"), [(fakerar.rar5, "rar5-aes"), (fakerar.rar4, "rar-encrypted")],
                         ids=["rar5", "rar4"])
def test_an_encrypted_member_is_named_and_the_rest_is_read(engine: Engine, write, method: str) -> None:
    data = write({"名簿.csv": ROSTER, "名簿_控え.csv": ROSTER, "連絡.txt": MEMO}, encrypted={"名簿.csv"})
    result = _scan(engine, data)
    assert [(p.where, p.outcome, p.reason) for p in result.parts] == [("名簿.csv", Outcome.ENCRYPTED, method)]
    assert {location for location, _ in _pension(result)} == {"名簿_控え.csv!B2", "名簿_控え.csv!B3"}


@pytest.mark.parametrize(("data", "method"), [
    (fakerar.rar5({"名簿.csv": ROSTER}, encrypted={"名簿.csv"}), "rar5-aes"),
    (fakerar.rar4({"名簿.csv": ROSTER}, encrypted={"名簿.csv"}), "rar-encrypted"),
    (fakerar.rar5({"名簿.csv": ROSTER}, header_encryption=True), "rar-header-encryption"),
    (fakerar.rar4({"名簿.csv": ROSTER}, header_encryption=True), "rar-header-encryption"),
], ids=["rar5-members", "rar4-members", "rar5-names", "rar4-names"])
def test_a_password_on_the_whole_archive_is_encrypted(engine: Engine, data: bytes, method: str) -> None:
    result = _scan(engine, data)
    assert (result.outcome, result.encrypted, result.protection) == (Outcome.ENCRYPTED, True, method)
    assert protection.detect(io.BytesIO(data)) == protection.Protection(True, method)


def test_an_archive_without_a_password_is_not_protected() -> None:
    assert protection.detect(io.BytesIO(fakerar.rar5({"連絡.txt": MEMO}))) == protection.NOT_PROTECTED


def test_a_compressed_member_without_a_tool_is_a_named_gap(engine: Engine, monkeypatch) -> None:
    def no_tool(*_args: object, **_kwargs: object) -> None:
        raise rarfile.RarCannotExec("Cannot find working tool")

    monkeypatch.setattr(rarfile, "tool_setup", no_tool)
    result = _scan(engine, fakerar.rar5({"名簿.csv": ROSTER}, compressed={"名簿.csv"}))
    assert result.outcome == Outcome.UNSUPPORTED
    assert [(p.where, p.outcome) for p in result.parts] == [("名簿.csv", Outcome.UNSUPPORTED)]
    assert "unrar" in result.parts[0].reason


def test_a_later_part_of_a_split_archive_is_unsupported_by_name(engine: Engine) -> None:
    result = _scan(engine, fakerar.rar5({"名簿.csv": ROSTER}, volume=1))
    assert result.outcome == Outcome.UNSUPPORTED and "first part" in result.reason


def test_declared_sizes_meet_the_archive_limits(engine: Engine) -> None:
    data = fakerar.rar5({f"名簿{i}.csv": ROSTER for i in range(5)})
    assert _scan(engine, data, dataclasses.replace(ScanLimits(), archive_max_members=3)).outcome \
        == Outcome.LIMIT_EXCEEDED
    assert _scan(engine, data, dataclasses.replace(ScanLimits(), archive_max_total_bytes=200)).outcome \
        == Outcome.LIMIT_EXCEEDED


def test_a_cut_off_archive_keeps_its_first_members(engine: Engine) -> None:
    data = fakerar.rar5({"名簿.csv": ROSTER, "連絡.txt": MEMO})
    result = _scan(engine, data[:-30])  # a download cut short: the end header and part of 連絡.txt lost
    assert result.outcome == Outcome.FINDINGS and len(_pension(result)) == 2
    assert {p.where for p in result.parts} == {"", "連絡.txt"}
    assert "damaged RAR archive" in result.reason


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(rar5=st.booleans(), cut=st.integers(min_value=0, max_value=60), flip=st.integers(min_value=8, max_value=400))
def test_a_damaged_archive_is_never_called_clean(engine: Engine, rar5: bool, cut: int, flip: int) -> None:
    # every byte after the signature is under a header or data CRC
    data = bytearray((fakerar.rar5 if rar5 else fakerar.rar4)({"名簿.csv": ROSTER, "連絡.txt": MEMO}))
    data[8 + flip % (len(data) - 8)] ^= 0x5A
    result = _scan(engine, bytes(data[: len(data) - cut]))
    assert result.outcome != Outcome.CLEAN
    assert "internal error" not in result.reason
