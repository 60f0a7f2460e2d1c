"""A file's own name holds PII too: a scanned 年金手帳 saved as its number and owner."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent import fakedocs
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
