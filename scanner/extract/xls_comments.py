"""Cell comments of a legacy .xls (BIFF8), which calamine does not read.

A comment's text is a TXO record whose characters follow in CONTINUE records (each with a
flag byte: 8-bit or UTF-16), after the OBJ record that gives the comment its object id; the
sheet's NOTE records then tie each object id to its cell. The Workbook stream is walked
record by record; sheets are named by their BOUNDSHEET records, in order.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from ..limits import Deadline
from ..model import TextBlock
from .tables import cell_ref

_BOF, _EOF, _BOUNDSHEET, _OBJ, _TXO, _CONTINUE, _NOTE = 0x0809, 0x000A, 0x0085, 0x005D, 0x01B6, 0x003C, 0x001C
_SHEET_TYPE = 0x0010  # BOF of a worksheet substream


def comment_blocks(workbook: bytes, deadline: Deadline) -> Iterator[TextBlock]:
    """Each sheet's comments as one TextBlock per comment, located at its cell."""
    names: list[str] = []
    sheet = -1
    texts: dict[int, str] = {}  # object id -> comment text, in the current sheet
    cells: dict[int, tuple[int, int]] = {}  # object id -> (row, col)
    last_obj = -1
    records = _Records(workbook)
    for n, (kind, data) in enumerate(records):
        if n % 4096 == 0:
            deadline.check()
        if kind == _BOUNDSHEET and len(data) >= 8:
            names.append(_short_string(data, 6))
        elif kind == _BOF and len(data) >= 4 and struct.unpack_from("<H", data, 2)[0] == _SHEET_TYPE:
            sheet += 1
            texts, cells = {}, {}
        elif kind == _OBJ and len(data) >= 8:
            last_obj = struct.unpack_from("<H", data, 6)[0]  # ftCmo: ft, cb, ot, id
        elif kind == _TXO and len(data) >= 12:
            texts[last_obj] = _txo_text(struct.unpack_from("<H", data, 10)[0], records)
        elif kind == _NOTE and len(data) >= 8:
            row, col, _flags, obj = struct.unpack_from("<HHHH", data, 0)
            cells[obj] = (row, col)
        elif kind == _EOF and sheet >= 0 and texts:
            name = names[sheet] if sheet < len(names) else f"sheet {sheet + 1}"
            for obj, text in texts.items():
                at = cells.get(obj)
                where = f"{name}!{cell_ref(at[1], at[0] + 1)} comment" if at else f"{name} comment"
                if text.strip():
                    yield TextBlock(text, where=where, first_line=None)
            texts = {}


class _Records:
    """(type, data) of each BIFF record; ``next_if`` takes the next one only if it is of a kind."""

    def __init__(self, stream: bytes) -> None:
        self._stream, self._pos = stream, 0

    def __iter__(self) -> _Records:
        return self

    def __next__(self) -> tuple[int, bytes]:
        if self._pos + 4 > len(self._stream):
            raise StopIteration
        kind, size = struct.unpack_from("<HH", self._stream, self._pos)
        data = self._stream[self._pos + 4 : self._pos + 4 + size]
        self._pos += 4 + size
        return kind, data

    def next_if(self, kind: int) -> bytes | None:
        if self._pos + 4 <= len(self._stream) and struct.unpack_from("<H", self._stream, self._pos)[0] == kind:
            return next(self)[1]
        return None


def _txo_text(chars: int, records: _Records) -> str:
    """``chars`` characters from the CONTINUE records after a TXO: each opens with a flag byte
    (bit 0: UTF-16LE, else one byte a character)."""
    parts: list[str] = []
    remaining = chars
    while remaining > 0 and (data := records.next_if(_CONTINUE)) is not None and data:
        wide = data[0] & 1
        body = data[1:]
        take = min(remaining, len(body) // 2 if wide else len(body))
        parts.append(body[: take * 2].decode("utf-16-le", "replace") if wide else body[:take].decode("latin-1"))
        remaining -= take
    if remaining == 0:
        records.next_if(_CONTINUE)  # the formatting runs
    return "".join(parts)


def _short_string(data: bytes, at: int) -> str:
    """A BIFF8 short string: length byte, flag byte (bit 0: UTF-16LE), characters."""
    length, flags = data[at], data[at + 1]
    body = data[at + 2 :]
    return body[: length * 2].decode("utf-16-le", "replace") if flags & 1 else body[:length].decode("latin-1")
