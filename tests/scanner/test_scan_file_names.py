"""A file's own name holds PII too: a scanned 年金手帳 saved as its number and owner."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent import fakedocs, fakerar
from scanner.detect import Engine, load_engine
from scanner.model import Confidence, Outcome
from scanner.scan import scan_file


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _scan(engine: Engine, path: Path, data: bytes):
    path.write_bytes(data)
    return scan_file(path, engine)


def test_an_image_only_scan_named_by_its_number_has_a_finding(engine: Engine, tmp_path: Path) -> None:
    result = _scan(engine, tmp_path / "年金手帳_1234-567890_山田太郎.pdf", fakedocs.pdf_image_only())
    numbers = [f for f in result.findings if f.detector == "pension_number"]
    assert result.outcome == Outcome.FINDINGS and result.pension_records == 1
    assert [(f.location, f.masked) for f in numbers] == [("path", "1234-****90")]
    assert numbers[0].confidence >= Confidence.MEDIUM
    assert [p.where for p in result.parts] == ["content"]


@pytest.mark.parametrize("name", ["山田太郎様.txt", "2024031512.csv", "受注_1234567890.txt", "TEL0312345678.txt"])
def test_names_without_a_pension_number_leave_the_outcome_alone(engine: Engine, tmp_path: Path, name: str) -> None:
    result = _scan(engine, tmp_path / name, "来週の会議は第二会議室です。".encode())
    assert (result.outcome, result.findings) == (Outcome.CLEAN, [])


def test_an_encrypted_workbook_named_by_its_number_keeps_its_protection(engine: Engine, tmp_path: Path) -> None:
    data = fakedocs.encrypt_ooxml(fakedocs.xlsx_roster(2))
    result = _scan(engine, tmp_path / "基礎年金番号1234567890.xlsx", data)
    assert result.outcome == Outcome.FINDINGS
    assert result.encrypted and result.protection  # shared-requires-password still sees the password
    assert [(p.where, p.outcome) for p in result.parts] == [("content", Outcome.ENCRYPTED)]


def test_scans_zipped_by_their_numbers_are_found_in_the_archive(engine: Engine, tmp_path: Path) -> None:
    picture = fakedocs.pdf_image_only()
    data = fakedocs.zip_bytes({"写し/1234-567890_山田太郎.pdf": picture, "写し/2345-678901_佐藤花子.pdf": picture,
                               "山田太郎様.docx": fakedocs.docx(["ご連絡"])})
    result = _scan(engine, tmp_path / "年金手帳写し.zip", data)
    numbers = {(f.location, f.masked) for f in result.findings if f.detector == "pension_number"}
    assert numbers == {("写し/1234-567890_山田太郎.pdf!path", "1234-****90"),
                       ("写し/2345-678901_佐藤花子.pdf!path", "2345-****01")}
    assert result.pension_records == 2
    assert not any(f.location.startswith("山田太郎様.docx") for f in result.findings)


def test_a_folder_named_by_a_number_names_what_it_holds(engine: Engine, tmp_path: Path) -> None:
    from scanner.model import FileRef

    folder = tmp_path / "被保険者別" / "1234-567890_山田太郎"
    folder.mkdir(parents=True)
    path = folder / "申請書.txt"
    path.write_bytes("来週の会議は第二会議室です。".encode())
    st = path.stat()
    ref = FileRef(bytes(path), st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode, bytes(tmp_path))
    result = scan_file(ref, engine)
    assert [(f.detector, f.location) for f in result.findings if f.detector == "pension_number"] == [
        ("pension_number", "path")]
    # the sweep root itself is not the file's own: a root so named gives nothing
    inside = FileRef(bytes(path), st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode, bytes(folder))
    assert scan_file(inside, engine).outcome == Outcome.CLEAN


SCANS = {"1234-567890_山田太郎.pdf": b"%PDF-1.4 picture", "連絡.txt": "ご連絡".encode()}


@pytest.mark.parametrize(("kind", "make", "method"), [
    ("zip", lambda: fakedocs.zip_aes(SCANS), "zip-aes"),
    ("7z", lambda: fakedocs.sevenzip(SCANS, password="secret"), "7z-aes"),
    ("rar", lambda: fakerar.rar5(SCANS, encrypted=set(SCANS)), "rar5-aes"),
])
def test_a_password_archive_still_shows_its_members_names(engine: Engine, tmp_path: Path, kind: str, make,
                                                          method: str) -> None:
    # the PPAP habit: the roster's scans zipped with a password, their names readable by anyone
    result = _scan(engine, tmp_path / f"送付.{kind}", make())
    assert result.outcome == Outcome.FINDINGS
    assert (result.encrypted, result.protection) == (True, method)  # the password still counts
    assert [(f.location, f.masked) for f in result.findings if f.detector == "pension_number"] == [
        ("1234-567890_山田太郎.pdf!path", "1234-****90")]


def test_a_password_archive_with_plain_names_is_encrypted_as_before(engine: Engine, tmp_path: Path) -> None:
    result = _scan(engine, tmp_path / "送付.zip", fakedocs.zip_aes({"名簿.csv": b"a,b"}))
    assert (result.outcome, result.findings, result.protection) == (Outcome.ENCRYPTED, [], "zip-aes")


def test_names_behind_the_password_are_not_read(engine: Engine, tmp_path: Path) -> None:
    data = fakedocs.sevenzip(SCANS, password="secret", header_encryption=True)
    assert _scan(engine, tmp_path / "送付.7z", data).outcome == Outcome.ENCRYPTED


def test_a_folder_whose_name_starts_with_two_dots_is_below_the_root(engine: Engine, tmp_path: Path) -> None:
    from scanner.scan import own_path

    assert own_path(bytes(tmp_path / "..1234-567890_山田太郎" / "a.txt"), bytes(tmp_path)) == "..1234-567890_山田太郎/a.txt"
    assert own_path(bytes(tmp_path / "a.txt"), bytes(tmp_path / "elsewhere")) == "a.txt"  # outside: its name
