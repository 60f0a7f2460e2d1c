"""Password protection, detected without the password (DOMAIN.md's table).

Pure functions: given a binary stream (seekable, positioned anywhere), say whether the
content is password-protected and how. Nothing is decrypted. Sheet and workbook-structure
protection are not encryption and are never reported here.

``detect(stream)`` dispatches on magic bytes; the per-format functions are usable on
their own by the extractors (they already hold the container open).
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO

import olefile

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
SEVENZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"
RAR4_MAGIC = b"Rar!\x1a\x07\x00"
RAR5_MAGIC = b"Rar!\x1a\x07\x01\x00"
PDF_MAGIC = b"%PDF"

XLS_DEFAULT_PASSWORD = "VelvetSweatshop"  # Excel's built-in key for "protected but no password"
PPT_ENCRYPTED_TOKEN = 0xF3D1C4DF
ZIP_AES_METHOD = 99
ZIP_AES_EXTRA_ID = 0x9901
SEVENZIP_AES_CODER = b"\x06\xf1\x07\x01"


@dataclass(frozen=True, slots=True)
class Protection:
    """``method`` names how (e.g. "ooxml-agile", "zip-aes"); "" when not protected."""

    encrypted: bool
    method: str = ""


NOT_PROTECTED = Protection(False)


def detect(stream: BinaryIO) -> Protection:
    """Protection of a whole file, by its magic bytes. Unknown formats are not protected."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(OLE_MAGIC):
        return ole_protection(stream)
    if head.startswith(ZIP_MAGIC):
        return zip_protection(stream)
    if head.startswith(SEVENZIP_MAGIC):
        return sevenzip_protection(stream)
    if head.startswith((RAR4_MAGIC, RAR5_MAGIC)):
        return rar_protection(stream)
    if head.startswith(PDF_MAGIC):
        return pdf_protection(stream)
    return NOT_PROTECTED


# --- OLE2 compound files (encrypted OOXML, xls, doc, ppt) ---------------------


def ole_protection(stream: BinaryIO) -> Protection:
    stream.seek(0)
    ole = olefile.OleFileIO(stream)
    try:
        return ole_container_protection(ole)
    finally:
        ole.close()


def ole_container_protection(ole: olefile.OleFileIO) -> Protection:
    """Protection of an open OLE2 container, by the streams it holds."""
    if ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage"):
        return Protection(True, ooxml_encryption_method(ole.openstream("EncryptionInfo").read(8)))
    if ole.exists("Workbook") or ole.exists("Book"):
        name = "Workbook" if ole.exists("Workbook") else "Book"
        method = xls_filepass_method(ole.openstream(name))
        if method and not xls_opens_with_default_password(ole, name):
            return Protection(True, method)
        return NOT_PROTECTED
    if ole.exists("WordDocument"):
        method = doc_encryption_method(ole.openstream("WordDocument").read(32))
        return Protection(True, method) if method else NOT_PROTECTED
    if ole.exists("Current User") and ppt_is_encrypted(ole.openstream("Current User").read(32)):
        return Protection(True, "ppt-rc4-cryptoapi")
    return NOT_PROTECTED


def ooxml_encryption_method(encryption_info_head: bytes) -> str:
    """Agile vs standard from the EncryptionInfo version (MS-OFFCRYPTO 2.3.4.5 / 2.3.4.10)."""
    if len(encryption_info_head) < 4:
        return "ooxml-encrypted"
    major, minor = struct.unpack_from("<HH", encryption_info_head)
    if (major, minor) == (4, 4):
        return "ooxml-agile"
    if minor == 2 and major in (2, 3, 4):
        return "ooxml-standard"
    if minor == 3 and major in (3, 4):
        return "ooxml-extensible"
    return "ooxml-encrypted"


_XLS_BOF, _XLS_EOF, _XLS_FILEPASS = 0x0809, 0x000A, 0x002F


def xls_filepass_method(workbook: BinaryIO) -> str | None:
    """The FILEPASS method in the workbook-globals substream, or None when absent."""
    workbook.seek(0)
    while True:
        header = workbook.read(4)
        if len(header) < 4:
            return None
        record, size = struct.unpack("<HH", header)
        if record == _XLS_FILEPASS:
            return _filepass_method(workbook.read(min(size, 6)))
        if record == _XLS_EOF:  # end of the globals: FILEPASS would have come before
            return None
        workbook.seek(size, io.SEEK_CUR)


def _filepass_method(body: bytes) -> str:
    if len(body) < 2:
        return "xls-encrypted"
    (kind,) = struct.unpack_from("<H", body)
    if kind == 0:
        return "xls-xor"
    if len(body) >= 6 and struct.unpack_from("<H", body, 2)[0] == 1:
        return "xls-rc4"
    return "xls-rc4-cryptoapi"


def xls_opens_with_default_password(ole: olefile.OleFileIO, stream_name: str) -> bool:
    """True when Excel's default key opens the workbook: 'protected' with no password."""
    from msoffcrypto.exceptions import DecryptionError, InvalidKeyError
    from msoffcrypto.format.xls97 import Xls97File

    try:
        Xls97File(io.BytesIO(_ole_bytes(ole))).load_key(password=XLS_DEFAULT_PASSWORD)
    except (InvalidKeyError, DecryptionError, AssertionError, struct.error, ValueError, OSError):
        return False
    return True


def _ole_bytes(ole: olefile.OleFileIO) -> bytes:
    fp = ole.fp
    fp.seek(0)
    return bytes(fp.read())


def doc_encryption_method(fib_head: bytes) -> str | None:
    """FibBase flags at 0x0A: fEncrypted (0x0100), fObfuscated (0x8000) says XOR."""
    if len(fib_head) < 12:
        return None
    (flags,) = struct.unpack_from("<H", fib_head, 0x0A)
    if not flags & 0x0100:
        return None
    return "doc-xor" if flags & 0x8000 else "doc-rc4"


def ppt_is_encrypted(current_user: bytes) -> bool:
    """CurrentUserAtom: 8-byte record header, size (u32), then headerToken (u32)."""
    if len(current_user) < 16:
        return False
    (token,) = struct.unpack_from("<I", current_user, 12)
    return token == PPT_ENCRYPTED_TOKEN


# --- ZIP ---------------------------------------------------------------------


def zip_member_protection(info: zipfile.ZipInfo) -> Protection:
    """Flag bit 0 is traditional (ZipCrypto) encryption; method 99 + extra 0x9901 is AES."""
    if info.compress_type == ZIP_AES_METHOD or _has_extra(info.extra, ZIP_AES_EXTRA_ID):
        return Protection(True, "zip-aes")
    if info.flag_bits & 0x1:
        return Protection(True, "zip-zipcrypto")
    return NOT_PROTECTED


def _has_extra(extra: bytes, wanted: int) -> bool:
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        if tag == wanted:
            return True
        pos += 4 + size
    return False


def zip_protection(stream: BinaryIO) -> Protection:
    """A zip is protected when every file member is encrypted (names stay readable)."""
    stream.seek(0)
    with zipfile.ZipFile(stream) as zf:
        files = [i for i in zf.infolist() if not i.is_dir()]
    found = [zip_member_protection(i) for i in files]
    if found and all(p.encrypted for p in found):
        return found[0]
    return NOT_PROTECTED


# --- 7z ------------------------------------------------------------------------


def sevenzip_protection(stream: BinaryIO) -> Protection:
    import py7zr
    from py7zr.exceptions import PasswordRequired

    stream.seek(0)
    try:
        with py7zr.SevenZipFile(stream) as archive:
            return Protection(True, "7z-aes") if archive.needs_password() else NOT_PROTECTED
    except PasswordRequired:
        return Protection(True, "7z-aes-header")


# --- RAR -----------------------------------------------------------------------


def rar_protection(stream: BinaryIO) -> Protection:
    import rarfile

    stream.seek(0)
    try:
        with rarfile.RarFile(stream) as archive:
            return rar_archive_protection(archive)
    except rarfile.PasswordRequired:
        return Protection(True, "rar-header-encryption")


def rar_archive_protection(archive: Any) -> Protection:
    """An open rarfile.RarFile: its names behind the password (WinRAR's "encrypt file
    names"), or every member encrypted."""
    members = [info for info in archive.infolist() if not info.is_dir()]
    if not members and archive.needs_password():
        return Protection(True, "rar-header-encryption")
    if members and all(info.needs_password() for info in members):
        return rar_member_protection(members[0])
    return NOT_PROTECTED


def rar_member_protection(info: Any) -> Protection:
    from rarfile import Rar5Info

    if not info.needs_password():
        return NOT_PROTECTED
    return Protection(True, "rar5-aes" if isinstance(info, Rar5Info) else "rar-encrypted")


# --- PDF -----------------------------------------------------------------------


def pdf_protection(stream: BinaryIO) -> Protection:
    """Protected only when an open (user) password is needed; permissions-only is readable."""
    from pypdf import PasswordType, PdfReader

    stream.seek(0)
    reader = PdfReader(stream)
    if not reader.is_encrypted:
        return NOT_PROTECTED
    if reader.decrypt("") != PasswordType.NOT_DECRYPTED:
        return NOT_PROTECTED
    return Protection(True, "pdf-user-password")
