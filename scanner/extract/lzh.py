"""LZH archives (LHA, LHarc: the Japanese archive of the 1990s and 2000s, still on old shares)
through lhafile.

Member names are CP932, as Japanese LHA tools wrote them. Declared sizes are checked
against the archive limits before a member is decoded (lhafile decodes a member into
memory), and each member goes back through ``ScanContext.members`` like a zip member.
A damaged member (CRC, size) is a PartNote and the archive goes on.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Iterator
from typing import Any

from ..errors import CorruptFile, LimitExceeded, Unsupported
from ..model import Block, Outcome, PartNote
from . import FormatSpec, ScanContext, Source
from .archive import check_ratio, check_totals, decoded_name, member_budget, scan_member

_METHOD = re.compile(rb"-l[hz][0-7ds]-")
_DIRECTORY = b"-lhd-"


def _is_lzh(source: Source) -> bool:
    head = source.head
    return len(head) >= 22 and _METHOD.fullmatch(head[2:7]) is not None and head[20] in (0, 1, 2)


def member_name(raw: str) -> str:
    """lhafile decodes names as latin-1; Japanese LHA tools wrote them in CP932 (\\ and 0xFF as separators)."""
    return decoded_name(raw.encode("latin-1", "replace"), ("cp932", "utf-8"), dos_separators=True)


def extract_lzh(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    try:
        import lhafile
    except ImportError as exc:  # a platform without its wheel
        raise Unsupported("LZH archive: the lhafile package is not installed") from exc
    with source.opener() as raw:
        try:
            archive = lhafile.LhaFile(raw)
        except RuntimeError as exc:  # lhafile's word for a method it cannot decode (-lh1-, -lzs- ...)
            raise Unsupported(f"LZH archive: {exc}") from exc
        except (lhafile.BadLhafile, struct.error, ValueError, IndexError, OSError, TypeError) as exc:
            raise CorruptFile(f"unreadable LZH archive: {exc}") from exc
        members = [info for info in archive.infolist() if info.compress_type != _DIRECTORY]
        check_totals(len(members), sum(info.file_size for info in members), ctx)
        for info in members:
            ctx.deadline.check()
            name = member_name(info.filename)
            check_ratio(name, info.file_size, info.compress_size, ctx)
            if info.file_size > member_budget(ctx):
                raise LimitExceeded(f"archive_max_total_bytes ({ctx.limits.archive_max_total_bytes}) at {name}")
            data = _read(archive, info, name)
            if isinstance(data, PartNote):
                yield data
            else:
                yield from scan_member(source, name, io.BytesIO(data), member_budget(ctx), ctx)


def _read(archive: Any, info: Any, name: str) -> bytes | PartNote:
    try:
        return bytes(archive.read(info.filename))
    except Exception as exc:  # noqa: BLE001 - its C decoder's errors have no common type; this member only
        return PartNote(name, Outcome.ERROR, f"damaged LZH member: {type(exc).__name__}: {exc}")


FORMATS = [FormatSpec("lzh", _is_lzh, extract_lzh, priority=60)]
