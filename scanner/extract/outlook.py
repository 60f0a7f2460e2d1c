"""Outlook messages (.msg: an OLE2 compound file, [MS-OXMSG]) through olefile.

A message keeps each property in a stream named ``__substg1.0_`` + property id + type:
the subject (0037), the plain body (1000) and the HTML body (1013); ``001F`` is UTF-16,
``001E`` the message's 8-bit code page, ``0102`` bytes. Each attachment is a storage
``__attach_version1.0_#n`` holding its bytes (37010102) and file name (3707, else 3704),
or, for an attached mail, a whole message in the storage 3701000D, read the same way.
Attachments go back through ``ScanContext.members`` like archive members.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import olefile

from ..encoding import choose_ascii_compatible
from ..model import Block, Outcome, PartNote, TextBlock
from . import ScanContext, Source
from .archive import member_budget, scan_member
from .html import html_blocks
from .listing import ListingReader

_PROPS = "__properties_version1.0"
_ATTACHMENT = "__attach_version1.0_#"
_EMBEDDED = "__substg1.0_3701000D"
_MAX_DEPTH = 8  # attached mails inside attached mails


def is_message(ole: olefile.OleFileIO) -> bool:
    return bool(ole.exists(_PROPS)) and any(entry[0].startswith("__substg1.0_") for entry in ole.listdir())


def message_blocks(ole: olefile.OleFileIO, source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    yield from _message(ole, source, ctx, [], "")


def _message(ole: olefile.OleFileIO, source: Source, ctx: ScanContext, base: list[str],
             where: str) -> Iterator[Block | PartNote]:
    prefix = f"{where}!" if where else ""
    subject = _text(ole, base, "0037")
    if subject:
        yield TextBlock(subject, where=f"{prefix}subject")
    body = _text(ole, base, "1000")
    if body:
        yield from ListingReader(f"{prefix}body").blocks(body, 1)  # a roster typed into the mail
    else:  # HTML only (the plain body is optional)
        markup = _stream(ole, [*base, "__substg1.0_10130102"])
        if markup:
            yield from html_blocks([_decode(markup)], f"{prefix}body", ctx)
    storages = sorted({entry[len(base)] for entry in ole.listdir(streams=False, storages=True)
                       if len(entry) > len(base) and entry[: len(base)] == base
                       and entry[len(base)].startswith(_ATTACHMENT)})
    for n, storage in enumerate(storages, start=1):
        ctx.deadline.check()
        path = [*base, storage]
        name = _text(ole, path, "3707") or _text(ole, path, "3704") or f"attachment {n}"
        label = f"{prefix}{name}"
        if ole.exists("/".join([*path, _EMBEDDED])):
            if len(base) // 2 >= _MAX_DEPTH:
                yield PartNote(label, Outcome.LIMIT_EXCEEDED, f"attached mails nested over {_MAX_DEPTH} deep")
                continue
            yield from _message(ole, source, ctx, [*path, _EMBEDDED], label)
            continue
        data = _stream(ole, [*path, "__substg1.0_37010102"])
        if data:
            yield from scan_member(source, label, io.BytesIO(data), member_budget(ctx), ctx)


def _stream(ole: olefile.OleFileIO, path: list[str]) -> bytes:
    name = "/".join(path)
    if not ole.exists(name):
        return b""
    with ole.openstream(name) as stream:
        return bytes(stream.read())


def _text(ole: olefile.OleFileIO, base: list[str], prop: str) -> str:
    """A string property: UTF-16 (001F), else 8-bit in the sender's code page (001E)."""
    unicode = _stream(ole, [*base, f"__substg1.0_{prop}001F"])
    if unicode:
        return unicode.decode("utf-16-le", "replace").rstrip("\0")
    return _decode(_stream(ole, [*base, f"__substg1.0_{prop}001E"])).rstrip("\0")


def _decode(data: bytes) -> str:
    """8-bit text of a Japanese mailer: UTF-8, CP932 or EUC-JP, told apart like a text file."""
    if not data:
        return ""
    if data.isascii():
        return data.decode("ascii")
    return data.decode(choose_ascii_compatible(data[:8192], at_eof=len(data) <= 8192).encoding, "replace")
