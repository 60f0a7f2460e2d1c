"""OLE2 compound files: encrypted OOXML, legacy xls/doc/ppt, Outlook messages (.msg).

Sniffed by the D0CF11E0 magic, then told apart by their streams. Protection is checked
first (scanner.protection): an encrypted file ends as Encrypted with its method.
Readable .xls goes through calamine; legacy .doc/.ppt text has no maintained pure-Python
reader, so scanner.extract.legacy_doc / legacy_ppt read it by hand from the container.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import olefile

from ..errors import CorruptFile, Encrypted, Unsupported
from ..model import Block, PartNote
from ..protection import OLE_MAGIC, ole_container_protection
from . import FormatSpec, ScanContext, Source
from .legacy_doc import doc_blocks
from .legacy_ppt import ppt_blocks
from .outlook import is_message, message_blocks
from .spreadsheet import extract_workbook


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
    elif kind == "doc":
        yield from _legacy_blocks(source, lambda ole: doc_blocks(ole, ctx.deadline, ctx.limits.text_chunk_chars))
    elif kind == "ppt":
        yield from _legacy_blocks(source, lambda ole: ppt_blocks(ole, ctx.deadline))
    elif kind == "msg":
        yield from _legacy_blocks(source, lambda ole: message_blocks(ole, source, ctx))
    else:
        raise Unsupported("OLE2 compound file that is not doc, xls, ppt or an Outlook message")


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
