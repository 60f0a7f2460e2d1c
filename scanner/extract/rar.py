"""RAR archives (WinRAR: RAR 2.9/4 and RAR 5) through rarfile.

rarfile parses the archive in Python and reads stored (uncompressed) members itself; a
compressed member needs one of the tools it drives (unrar, unar, 7-Zip, bsdtar) on PATH.
Without one, such a member is a named gap (a PartNote), never "clean". Password protection
is read from the headers, without the password: encrypted names ("encrypt file names") or
every member encrypted make the archive Encrypted; otherwise encrypted members are PartNotes
and the rest is read. Sizes are checked against the archive limits before a member is read.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any, BinaryIO

from ..errors import CorruptFile, Encrypted, LimitExceeded, Unsupported
from ..model import Block, Outcome, PartNote
from ..protection import RAR4_MAGIC, RAR5_MAGIC, rar_archive_protection, rar_member_protection
from . import FormatSpec, ScanContext, Source, member_name_block
from .archive import check_ratio, check_totals, decoded_name, encrypted_member, member_budget, scan_member

_UNICODE_NAME = 0x0200  # RAR 4 file flag: the name is Unicode (else the archiver's code page)
NO_TOOL = "compressed RAR member: no unrar, unar, 7z or bsdtar on PATH to decompress it"


def _is_rar(source: Source) -> bool:
    return source.head.startswith((RAR4_MAGIC, RAR5_MAGIC))


def member_name(info: Any) -> str:
    """RAR 5 names are UTF-8, as are RAR 4 names flagged Unicode. Other RAR 4 names are in
    the archiver's code page: CP932 on Japanese Windows (rarfile would guess UTF-16)."""
    from rarfile import Rar5Info

    if isinstance(info, Rar5Info) or info.flags & _UNICODE_NAME or not isinstance(info.orig_filename, bytes):
        return str(info.filename)
    return decoded_name(info.orig_filename, dos_separators=True)


def extract_rar(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    try:
        import rarfile
    except ImportError as exc:
        raise Unsupported("RAR archive: the rarfile package is not installed") from exc
    with source.opener() as raw:
        archive, damage = _open(rarfile, raw)
        if damage:
            yield PartNote("", Outcome.ERROR, f"damaged RAR archive: {damage}; members after the damage are not read")
        with archive:
            protection = rar_archive_protection(archive)
            members = [info for info in archive.infolist() if not info.is_dir()]
            if protection.encrypted:
                yield from (member_name_block(member_name(info)) for info in members)  # unless names are encrypted
                raise Encrypted(protection.method)
            check_totals(len(members), sum(info.file_size for info in members), ctx)
            for info in members:
                ctx.deadline.check()
                name = member_name(info)
                member_protection = rar_member_protection(info)
                if member_protection.encrypted:
                    yield from encrypted_member(name, member_protection.method)
                    continue
                check_ratio(name, info.file_size, info.compress_size, ctx)
                if info.file_size > member_budget(ctx):
                    raise LimitExceeded(f"archive_max_total_bytes ({ctx.limits.archive_max_total_bytes}) at {name}")
                try:
                    stream = archive.open(info)
                except rarfile.RarCannotExec:
                    yield PartNote(name, Outcome.UNSUPPORTED, NO_TOOL)
                    continue
                except (rarfile.Error, OSError) as exc:
                    yield PartNote(name, Outcome.ERROR, f"member unreadable: {exc}")
                    continue
                with stream:
                    try:
                        yield from scan_member(source, name, stream, min(info.file_size, member_budget(ctx)), ctx)
                    except rarfile.Error as exc:  # a CRC or a volume that is missing, found while reading
                        yield PartNote(name, Outcome.ERROR, f"damaged RAR member: {exc}")


def _open(rarfile: Any, raw: BinaryIO) -> tuple[Any, str]:
    """The archive, and "" or what damage ends it early. Read strictly first: a header that
    fails its CRC would otherwise end the list quietly, and the members after it would never
    be seen. A damaged archive is then read up to the damage (a cut-off download keeps its
    first members), with the damage named."""
    try:
        return rarfile.RarFile(raw, errors="strict"), ""
    except rarfile.NeedFirstVolume as exc:
        raise Unsupported("RAR volume: a later part of a split archive (its first part holds the names)") from exc
    except rarfile.PasswordRequired as exc:
        raise Encrypted("rar-header-encryption") from exc
    except (rarfile.Error, OSError, ValueError, EOFError, IndexError, struct.error) as exc:
        damage = str(exc) or type(exc).__name__
    try:
        raw.seek(0)
        archive = rarfile.RarFile(raw, errors="stop")
    except (rarfile.Error, OSError, ValueError, EOFError, IndexError, struct.error) as exc:
        raise CorruptFile(f"unreadable RAR archive: {exc}") from exc
    if not any(not info.is_dir() for info in archive.infolist()):
        raise CorruptFile(f"unreadable RAR archive: {damage}")
    return archive, damage


FORMATS = [FormatSpec("rar", _is_rar, extract_rar, priority=60)]
