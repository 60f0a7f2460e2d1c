"""scanner.protection: every row of DOMAIN.md's table, legacy from fixtures, modern generated."""

from __future__ import annotations

import io
import shutil
import struct
from pathlib import Path

import olefile
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner import protection
from scanner.protection import Protection, detect
from tests.scanner import office_samples as samples

LEGACY = {
    "ecma376standard_password.docx": Protection(True, "ooxml-standard"),
    "example_password.xlsx": Protection(True, "ooxml-agile"),
    "rc4cryptoapi_password.doc": Protection(True, "doc-rc4"),
    "rc4cryptoapi_password.ppt": Protection(True, "ppt-rc4-cryptoapi"),
    "rc4cryptoapi_password.xls": Protection(True, "xls-rc4-cryptoapi"),
    "xor_password_123456789012345.xls": Protection(True, "xls-xor"),
    "plain.doc": Protection(False),
    "plain.ppt": Protection(False),
    "plain.xls": Protection(False),
}


@pytest.mark.parametrize("name", sorted(LEGACY))
def test_legacy_fixture_protection(name: str) -> None:
    with open(samples.FIXTURES / name, "rb") as f:
        assert detect(f) == LEGACY[name]


def _xls_with_filepass(tmp_path: Path, verifier: int) -> Path:
    """plain.xls with its second record turned into an XOR FILEPASS (same size, so the
    OLE stream keeps its length) carrying ``verifier``."""
    target = tmp_path / "filepass.xls"
    shutil.copy(samples.FIXTURES / "plain.xls", target)
    target.chmod(0o644)
    with olefile.OleFileIO(str(target), write_mode=True) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
        (bof_size,) = struct.unpack_from("<H", stream, 2)
        pos = 4 + bof_size
        (size,) = struct.unpack_from("<H", stream, pos + 2)
        while size < 6:  # find a record big enough to hold the FILEPASS body
            pos += 4 + size
            (size,) = struct.unpack_from("<H", stream, pos + 2)
        struct.pack_into("<HHHHH", stream, pos, 0x002F, size, 0, 0x1234, verifier)
        ole.write_stream("Workbook", bytes(stream))
    return target


def test_xls_velvet_sweatshop_is_not_protected(tmp_path: Path) -> None:
    velvet = _xls_with_filepass(tmp_path, 0x9A0A)  # the verifier of Excel's default password
    with open(velvet, "rb") as f:
        assert detect(f) == Protection(False)


def test_xls_filepass_with_other_password_is_protected(tmp_path: Path) -> None:
    other = _xls_with_filepass(tmp_path, 0x0BAD)
    with open(other, "rb") as f:
        assert detect(f) == Protection(True, "xls-xor")


def test_generated_ooxml_agile_encryption() -> None:
    encrypted = samples.encrypt_ooxml(samples.xlsx_roster(2))
    assert detect(io.BytesIO(encrypted)) == Protection(True, "ooxml-agile")


def test_sheet_protection_is_not_encryption() -> None:
    assert detect(io.BytesIO(samples.xlsx_roster(2, sheet_protection=True))) == Protection(False)


@pytest.mark.parametrize(("data", "expected"), [
    (samples.zip_bytes({"a.txt": "x"}), Protection(False)),
    (samples.zip_flag_encrypted({"a.txt": "x"}), Protection(True, "zip-zipcrypto")),
    (samples.zip_aes({"a.txt": "x"}), Protection(True, "zip-aes")),
    (samples.zip_aes({"a.txt": "x"}, plain={"b.txt": "y"}), Protection(False)),  # partly readable
    (samples.sevenzip({"a.txt": "x"}), Protection(False)),
    (samples.sevenzip({"a.txt": "x"}, password="pw"), Protection(True, "7z-aes")),
    (samples.sevenzip({"a.txt": "x"}, password="pw", header_encryption=True), Protection(True, "7z-aes-header")),
], ids=["zip", "zipcrypto", "zip-aes", "zip-mixed", "7z", "7z-aes", "7z-header"])
def test_archive_protection(data: bytes, expected: Protection) -> None:
    assert detect(io.BytesIO(data)) == expected


def test_pdf_open_password_vs_permissions_only() -> None:
    plain = samples.pdf_japanese(["テスト"])
    assert detect(io.BytesIO(plain)) == Protection(False)
    assert detect(io.BytesIO(samples.pdf_encrypted(plain, "user-pw"))) == Protection(True, "pdf-user-password")
    assert detect(io.BytesIO(samples.pdf_encrypted(plain, ""))) == Protection(False)


def test_unknown_content_is_not_protected() -> None:
    assert detect(io.BytesIO(b"just some text")) == Protection(False)


@given(st.integers(0, 0xFFFF))
def test_doc_fencrypted_bit_decides(flags: int) -> None:
    fib = bytes(10) + struct.pack("<H", flags) + bytes(20)
    method = protection.doc_encryption_method(fib)
    assert (method is not None) == bool(flags & 0x0100)
    if method:
        assert method == ("doc-xor" if flags & 0x8000 else "doc-rc4")


@given(st.integers(0, 0xFFFFFFFF))
def test_ppt_header_token(token: int) -> None:
    atom = bytes(12) + struct.pack("<I", token) + bytes(8)
    assert protection.ppt_is_encrypted(atom) == (token == 0xF3D1C4DF)


@pytest.mark.parametrize(("major", "minor", "method"), [
    (4, 4, "ooxml-agile"), (3, 2, "ooxml-standard"), (4, 2, "ooxml-standard"),
    (4, 3, "ooxml-extensible"), (1, 1, "ooxml-encrypted"),
])
def test_ooxml_method_from_version(major: int, minor: int, method: str) -> None:
    assert protection.ooxml_encryption_method(struct.pack("<HHI", major, minor, 0)) == method
