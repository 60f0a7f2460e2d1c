"""Saved e-mail (.eml, RFC 822 / MIME) and web archives (.mht, .mhtml: Excel's and Word's
"single file web page", MIME too) through the standard library's ``email`` parser.

Bodies are transfer-decoded (base64, quoted-printable) and charset-decoded (ISO-2022-JP,
Shift_JIS, UTF-8 ...), so a roster pasted into a mail is read as text; HTML bodies are read
like HTML files, so a table in a mail is a table under its header row. Attachments go back
through ``ScanContext.members`` like archive members, so an
attached CSV, workbook or zip is sniffed and extracted as a file, under the archive limits.
Read as plain text instead, a base64 body or attachment looks like noise and a byte
prefilter would call the mail clean.

Encrypted parts (S/MIME, PGP) are recorded as such; the rest of the mail is still read.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import io
import re
from collections.abc import Iterator
from email.message import Message

from ..encoding import ISO2022
from ..errors import CorruptFile
from ..model import Block, Outcome, PartNote, TextBlock
from . import FormatSpec, ScanContext, Source
from .archive import member_budget, scan_member
from .html import html_blocks
from .listing import ListingReader

_HEADER_LINE = re.compile(rb"[A-Za-z][A-Za-z0-9-]*:[ \t]")
_MAIL_HEADERS = (b"from:", b"date:", b"message-id:", b"mime-version:", b"received:", b"subject:")
_ENCRYPTED_TYPES = ("application/pkcs7-mime", "application/x-pkcs7-mime", "multipart/encrypted")
# MIME by name: a web archive opens with MIME-Version and Content-Type alone, and its sheets
# are quoted-printable HTML, so as text neither a keyword nor a name is visible.
MIME_SUFFIXES = frozenset({"eml", "mht", "mhtml"})


def _is_mail(source: Source) -> bool:
    """A .eml, .mht or .mhtml file, or text that opens with RFC 822 header fields among which
    at least two only a mail has (From:, Date:, Message-ID:, MIME-Version:, Received:, Subject:)."""
    head = source.head
    if source.suffix in MIME_SUFFIXES:
        return True
    if not _HEADER_LINE.match(head):
        return False
    headers = head.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].lower()
    return sum(headers.startswith(h) or b"\n" + h in headers for h in _MAIL_HEADERS) >= 2


def extract_mail(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    with source.opener() as raw:
        try:
            message = email.message_from_binary_file(raw, policy=email.policy.compat32)
        except (ValueError, TypeError, IndexError) as exc:  # the parser is lenient; this is rare
            raise CorruptFile(f"mail unreadable: {exc}") from exc
    subject = _header_text(message, "Subject")
    if subject:
        yield TextBlock(subject, where="subject")
    bodies = 0
    for n, part in enumerate(message.walk(), start=1):
        ctx.deadline.check()
        content_type = part.get_content_type()
        if content_type in _ENCRYPTED_TYPES:
            yield PartNote(f"part {n}", Outcome.ENCRYPTED, f"{content_type}: an encrypted mail part", encrypted=True)
            continue
        if part.is_multipart():
            continue
        name = part.get_filename()
        if name is None and content_type in ("text/plain", "text/html") and not _is_attachment(part):
            bodies += 1
            text = _body_text(part)
            where = _location(part) or f"body {bodies}"
            if content_type == "text/html":
                yield from html_blocks([text], where, ctx)
            elif text:
                yield from ListingReader(where).blocks(text, 1)  # a roster typed into the mail
            if "\ufffd" in text:
                yield PartNote(where, Outcome.ERROR, "encoding: bytes its charset does not decode; "
                               "read with replacement characters", read_anyway=True)
            continue
        payload = _payload(part)
        if not payload:
            continue
        label = _decoded_name(name) if name else f"part {n} ({content_type})"
        yield from scan_member(source, label, io.BytesIO(payload), member_budget(ctx), ctx)


def _location(part: Message) -> str:
    """A web archive's name for the part (sheet001.htm from Content-Location), or ""."""
    location = (part.get("Content-Location") or "").strip()
    return location.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _is_attachment(part: Message) -> bool:
    return (part.get("Content-Disposition") or "").strip().lower().startswith("attachment")


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)  # base64 and quoted-printable undone; damage is skipped
    return data if isinstance(data, bytes) else b""


def _body_text(part: Message) -> str:
    data = _payload(part)
    charset = part.get_content_charset() or "us-ascii"
    charset = {"iso-2022-jp": ISO2022, "shift_jis": "cp932", "x-sjis": "cp932",
               "euc-jp": "euc_jp"}.get(charset.lower(), charset)
    try:
        return data.decode(charset, "replace")
    except LookupError:  # an unknown charset: the bytes still hold ASCII digits
        return data.decode("utf-8", "replace")


def _header_text(message: Message, field: str) -> str:
    value = message.get(field)
    if value is None:
        return ""
    return _decoded_name(str(value))


def _decoded_name(value: str) -> str:
    """An RFC 2047 encoded word (=?ISO-2022-JP?B?...?=), as text."""
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (ValueError, LookupError, UnicodeDecodeError):
        return value


FORMATS = [FormatSpec("eml", _is_mail, extract_mail, priority=20)]
