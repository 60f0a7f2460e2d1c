"""Objects embedded in a legacy .ppt (a roster pasted onto a slide): ExOleObjStg records in
the "PowerPoint Document" stream, each a compound file of its own, zlib-compressed when the
record's instance is 1 ([MS-PPT] 2.10.34). They are found by their record header and
checked (a compressed body opens with its size and a zlib header, a plain one with the
compound-file magic), so a record the persist directory lost is found too.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator

from ..errors import LimitExceeded
from ..limits import Deadline
from ..protection import OLE_MAGIC

EX_OLE_OBJ_STG = 0x1011
# recVer 0 with recInstance 0 (stored) or 1 (compressed), then the record type, little-endian.
_HEADER = re.compile(rb"(?:\x00\x00|\x10\x00)\x11\x10", re.DOTALL)
_ZLIB_HEADERS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")


def embedded_objects(stream: bytes, cap: int, deadline: Deadline) -> Iterator[tuple[int, bytes]]:
    """(offset, compound file) of each embedded object; over ``cap`` bytes is LimitExceeded."""
    for match in _HEADER.finditer(stream):
        deadline.check()
        start = match.start()
        if start + 8 > len(stream):
            break
        instance, _kind, length = struct.unpack_from("<HHI", stream, start)
        body = stream[start + 8 : start + 8 + length]
        if len(body) != length:
            continue
        if instance >> 4 == 1 and len(body) > 6 and body[4:6] in _ZLIB_HEADERS:
            size = struct.unpack_from("<I", body, 0)[0]
            if size > cap:
                raise LimitExceeded(f"archive_max_total_bytes at an object embedded in the presentation ({size} bytes)")
            try:
                data = zlib.decompressobj().decompress(body[4:], cap + 1)
            except zlib.error:
                continue
        elif instance >> 4 == 0 and body.startswith(OLE_MAGIC):
            data = body
        else:
            continue
        if data.startswith(OLE_MAGIC):
            yield start, data
