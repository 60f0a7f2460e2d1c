"""OLE2 compound files: encrypted OOXML, legacy xls/doc/ppt, Outlook messages (.msg), and
objects embedded in documents (oleObject*.bin: a dragged-in file or an Office package).

Sniffed by the D0CF11E0 magic, then told apart by their streams. Protection is checked
first (scanner.protection): an encrypted file ends as Encrypted with its method.
Readable .xls goes through calamine; legacy .doc/.ppt text has no maintained pure-Python
reader, so scanner.extract.legacy_doc / legacy_ppt read it by hand from the container.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Iterator

import olefile

from ..errors import CorruptFile, Encrypted, LimitExceeded, Unsupported
from ..model import Block, PartNote
from ..protection import OLE_MAGIC, ole_container_protection
from . import FormatSpec, ScanContext, Source
from .archive import member_budget, scan_member
from .cfb import cfb_bytes
from .legacy_doc import doc_blocks
from .legacy_ppt import ppt_blocks
from .outlook import is_message, message_blocks
from .ppt_objects import embedded_objects
from .spreadsheet import extract_workbook
from .xls_comments import comment_blocks


def _is_ole(source: Source) -> bool:
    return source.head.startswith(OLE_MAGIC)


def ole_kind(ole: olefile.OleFileIO) -> str:
    """Which Office document an OLE container holds: ooxml-encrypted, xls, doc, ppt, msg or ""."""
    if ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage"):
        return "ooxml-encrypted"
    if ole.exists("Workbook") or ole.exists("Book"):
        return "xls"
    if ole.exists("WordDocument"):
        return "doc"
    if ole.exists("PowerPoint Document"):
        return "ppt"
    if is_message(ole):
        return "msg"
    if ole.exists(_NATIVE) or ole.exists("Package"):
        return "embedded"  # an object embedded in a document: a file dragged in, or an Office package
    if ole.exists("Equation Native"):
        return "equation"  # Equation Editor 3.0 / MathType: a formula, read as holding no text
    return ""


def extract_ole(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    try:
        ole = olefile.OleFileIO(source.opener())
    except (OSError, ValueError, IndexError) as exc:  # olefile raises OSError on bad headers
        raise CorruptFile(f"unreadable OLE2 compound file: {exc}") from exc
    try:
        kind = ole_kind(ole)
        protection = ole_container_protection(ole)
    except (OSError, ValueError, IndexError) as exc:
        raise CorruptFile(f"unreadable OLE2 stream: {exc}") from exc
    finally:
        ole.close()
    if protection.encrypted:
        raise Encrypted(protection.method)
    if kind == "xls":
        yield from extract_workbook(source, ctx)
        yield from _legacy_blocks(source, lambda ole: _xls_comments(ole, ctx))  # calamine reads only cells
        yield from _legacy_blocks(source, lambda ole: _object_storages(ole, source, ctx))
    elif kind == "doc":
        yield from _legacy_blocks(source, lambda ole: doc_blocks(ole, ctx.deadline, ctx.limits.text_chunk_chars))
        yield from _legacy_blocks(source, lambda ole: _object_storages(ole, source, ctx))
    elif kind == "ppt":
        yield from _legacy_blocks(source, lambda ole: ppt_blocks(ole, ctx.deadline))
        yield from _legacy_blocks(source, lambda ole: _ppt_objects(ole, source, ctx))
    elif kind == "msg":
        yield from _legacy_blocks(source, lambda ole: message_blocks(ole, source, ctx))
    elif kind == "embedded":
        yield from _legacy_blocks(source, lambda ole: _embedded(ole, source, ctx))
    elif kind == "equation":
        return
    else:
        raise Unsupported("OLE2 compound file that is not doc, xls, ppt, an Outlook message or an embedded object")


_NATIVE = "\x01Ole10Native"


def _object_storages(ole: olefile.OleFileIO, source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    """Objects embedded in a legacy document: storages under ObjectPool (.doc) or named MBD...
    (.xls), each a compound file of its own (an Excel 97 sheet pasted into a letter, a
    dragged-in file). Each is re-wrapped as a file and read like an archive member."""
    storages = sorted({tuple(entry[:2]) if entry[0] == "ObjectPool" else (entry[0],)
                       for entry in ole.listdir(streams=False, storages=True)
                       if (entry[0] == "ObjectPool" and len(entry) >= 2) or entry[0].startswith("MBD")})
    for storage in storages:
        ctx.deadline.check()
        streams = {"/".join(entry[len(storage):]): entry for entry in ole.listdir(streams=True, storages=False)
                   if tuple(entry[: len(storage)]) == storage and len(entry) > len(storage)}
        if sum(ole.get_size("/".join(entry)) for entry in streams.values()) > member_budget(ctx):
            raise LimitExceeded(f"archive_max_total_bytes ({ctx.limits.archive_max_total_bytes}) at {'/'.join(storage)}")
        package = cfb_bytes({name: ole.openstream("/".join(entry)).read() for name, entry in streams.items()})
        yield from scan_member(source, "/".join(storage), io.BytesIO(package), member_budget(ctx), ctx)


def _ppt_objects(ole: olefile.OleFileIO, source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    stream = ole.openstream("PowerPoint Document").read()
    for offset, package in embedded_objects(stream, member_budget(ctx), ctx.deadline):
        yield from scan_member(source, f"object at {offset}", io.BytesIO(package), member_budget(ctx), ctx)


def _xls_comments(ole: olefile.OleFileIO, ctx: ScanContext) -> Iterator[Block]:
    stream = "Workbook" if ole.exists("Workbook") else "Book"
    yield from comment_blocks(ole.openstream(stream).read(), ctx.deadline)


def _embedded(ole: olefile.OleFileIO, source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    """The file inside an OLE object: an Office package (its "Package" stream) or a file
    dragged into a document (the "Ole10Native" stream: a header naming it, then its bytes)."""
    if ole.exists("Package"):
        data, name = ole.openstream("Package").read(), "Package"
    else:
        name, data = ole10_native(ole.openstream(_NATIVE).read())
    yield from scan_member(source, name, io.BytesIO(data), member_budget(ctx), ctx)


def ole10_native(stream: bytes) -> tuple[str, bytes]:
    """(file name, bytes) of an Ole10Native stream: its size, a flag, the label, the source
    path, two reserved words, the temporary path, then the data's size and the data."""
    try:
        pos = 4 + 2
        label, pos = _cstring(stream, pos)
        _source_path, pos = _cstring(stream, pos)
        pos += 8
        _temp_path, pos = _cstring(stream, pos)
        (size,) = struct.unpack_from("<I", stream, pos)
        data = stream[pos + 4 : pos + 4 + size]
    except (struct.error, ValueError) as exc:
        raise CorruptFile(f"unreadable embedded object: {exc}") from exc
    if len(data) != size:
        raise CorruptFile(f"embedded object cut short ({len(data)} of {size} bytes)")
    return label.decode("cp932", "replace") or "embedded file", data


def _cstring(data: bytes, pos: int) -> tuple[bytes, int]:
    end = data.index(b"\0", pos)  # ValueError when missing
    return data[pos:end], end + 1


def _legacy_blocks(source: Source, read: Callable[[olefile.OleFileIO], Iterator[Block | PartNote]]
                   ) -> Iterator[Block | PartNote]:
    """Reopen the container and read a legacy document's text; olefile's errors are corruption."""
    try:
        ole = olefile.OleFileIO(source.opener())
    except (OSError, ValueError, IndexError) as exc:
        raise CorruptFile(f"unreadable OLE2 compound file: {exc}") from exc
    try:
        yield from read(ole)
    except (OSError, ValueError, IndexError) as exc:
        raise CorruptFile(f"unreadable OLE2 stream: {exc}") from exc
    finally:
        ole.close()


FORMATS = [FormatSpec("ole2", _is_ole, extract_ole, priority=70)]
