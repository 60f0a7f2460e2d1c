"""RAR archives written by hand, for the tests: no free tool writes RAR.

Members are stored (method 0, no compression), which rarfile reads without an external
tool, exactly as WinRAR lays them out (RAR 5.0 and RAR 2.9/4 technotes of rarlab.com).
An "encrypted" member or archive carries the headers WinRAR writes for a password, with
random bytes where the ciphertext would be: enough to tell protection without a password,
which is all the scanner does with it.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Collection, Mapping

from scanner.protection import RAR4_MAGIC, RAR5_MAGIC


def _vint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _block5(kind: int, fields: bytes, *, flags: int = 0, extra: bytes = b"", data: bytes | None = None) -> bytes:
    """One RAR 5 header: CRC32, size, type, flags, [extra size], [data size], fields, extra; data."""
    flags |= (0x01 if extra else 0) | (0x02 if data is not None else 0)
    body = _vint(kind) + _vint(flags)
    if extra:
        body += _vint(len(extra))
    if data is not None:
        body += _vint(len(data))
    body += fields + extra
    sized = _vint(len(body)) + body
    return struct.pack("<I", zlib.crc32(sized)) + sized + (data or b"")


def _file_encryption_record() -> bytes:
    # version 0 (AES-256), flags 1 (password check present), KDF count, salt, IV, check value
    record = _vint(0x01) + _vint(0) + _vint(0x01) + bytes([15]) + os.urandom(16) + os.urandom(16) + os.urandom(12)
    return _vint(len(record)) + record


def rar5(members: Mapping[str, bytes], *, encrypted: Collection[str] = (), header_encryption: bool = False,
         compressed: Collection[str] = (), volume: int = 0) -> bytes:
    """A RAR 5 archive of stored members; ``encrypted`` members carry WinRAR's AES record
    (and random bytes for data); ``header_encryption`` is "encrypt file names" (the whole
    rest of the archive behind the password). ``compressed`` members say method 3 (WinRAR's
    "normal") over their bytes as they are: only a tool would find them undecodable.
    ``volume``: this is that part (0-based) of a split archive ("名簿.part2.rar" is 1)."""
    out = bytearray(RAR5_MAGIC)
    if header_encryption:
        fields = _vint(0) + _vint(0x01) + bytes([15]) + os.urandom(16) + os.urandom(12)
        out += _block5(4, fields)
        out += os.urandom(16 * 8)  # IV and encrypted headers: unreadable without the password
        return bytes(out)
    out += _block5(1, _vint(0x03) + _vint(volume) if volume else _vint(0))  # main header: volume, its number
    for name, data in members.items():
        secret = name in encrypted
        payload = os.urandom(len(data) + 16) if secret else data
        raw_name = name.encode("utf-8")
        fields = (_vint(0x04) + _vint(len(data)) + _vint(0x20)  # CRC32 present; size; archive attribute
                  + struct.pack("<I", zlib.crc32(data)) + _vint(3 << 7 if name in compressed else 0)
                  + _vint(0)  # compression method (0: stored); Windows
                  + _vint(len(raw_name)) + raw_name)
        out += _block5(2, fields, extra=_file_encryption_record() if secret else b"", data=payload)
    out += _block5(5, _vint(0))  # end of archive
    return bytes(out)


def _block4(kind: int, flags: int, fields: bytes, add: bytes = b"") -> bytes:
    """One RAR 4 block: CRC16 (low half of CRC32), type, flags, size, fields; then added data."""
    size = 7 + len(fields)
    body = struct.pack("<BHH", kind, flags, size) + fields
    return struct.pack("<H", zlib.crc32(body) & 0xFFFF) + body + add


def rar4(members: Mapping[str, bytes], *, encrypted: Collection[str] = (), header_encryption: bool = False,
         cp932_names: bool = False) -> bytes:
    """A RAR 2.9/4 archive of stored members (WinRAR before 5, and its "RAR4" choice).
    Names are Unicode-flagged UTF-8 unless ``cp932_names`` (a Japanese DOS-era archiver)."""
    out = bytearray(RAR4_MAGIC)
    out += _block4(0x73, 0x0080 if header_encryption else 0, bytes(6))  # main header; 0x80: headers encrypted
    if header_encryption:
        out += os.urandom(16 * 8)  # salt and encrypted blocks
        return bytes(out)
    for name, data in members.items():
        secret = name in encrypted
        payload = os.urandom(len(data) + 16 - len(data) % 16) if secret else data
        raw_name = name.encode("cp932") if cp932_names else name.encode("utf-8")
        flags = 0x8000  # LONG_BLOCK: added data follows
        if secret:
            flags |= 0x0004  # encrypted with a password
        if not cp932_names and not name.isascii():
            flags |= 0x0200  # Unicode name, without a NUL: the whole name is UTF-8
        fields = struct.pack("<IIBIIBBHI", len(payload), len(data), 2,  # packed, unpacked, Windows
                             zlib.crc32(data), 0x5B7A0000, 29, 0x30, len(raw_name), 0x20) + raw_name
        out += _block4(0x74, flags, fields, payload)
    out += _block4(0x7B, 0x4000, b"")  # end of archive
    return bytes(out)
