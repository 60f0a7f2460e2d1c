"""Text of legacy PowerPoint 97-2003 presentations (.ppt), read by hand from [MS-PPT].

The "PowerPoint Document" stream holds trees of records, each with an 8-byte header
(recVer:4 recInstance:12, recType u16, recLen u32); recVer 0xF marks a container. Text
sits in TextCharsAtom (UTF-16LE), TextBytesAtom (8-bit) and CString atoms: placeholder
text in the document's slide lists (a SlidePersistAtom opens each slide's entry), other
text in each slide's own drawing.

The stream is not a plain sequence of records (PowerPoint leaves gaps), so it is read the
way PowerPoint reads it: "Current User" points at the last UserEditAtom, whose chain of
persist directories maps persist ids to record offsets. Each slide, notes page and master
is then read from its offset and named "slide N", "notes N" (N of the slide it belongs
to) or "master". Where that chain is broken, a linear walk of the stream is the fallback.

Encryption is checked before this runs (scanner.protection). No read leaves the stream or
its parent record: a record that runs past either is CorruptFile("ppt: ...").
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

import olefile

from ..errors import CorruptFile
from ..limits import Deadline
from ..model import TextBlock

STREAM = "PowerPoint Document"
CURRENT_USER = "Current User"
HEADER = struct.Struct("<HHI")
_CONTAINER_VERSION = 0xF

TEXT_CHARS_ATOM = 0x0FA0
TEXT_BYTES_ATOM = 0x0FA8
CSTRING = 0x0FBA
DOCUMENT = 0x03E8
SLIDE = 0x03EE
NOTES = 0x03F0
NOTES_ATOM = 0x03F1
MAIN_MASTER = 0x03F8
SLIDE_LIST_WITH_TEXT = 0x0FF0
SLIDE_PERSIST_ATOM = 0x03F3
USER_EDIT_ATOM = 0x0FF5
PERSIST_DIRECTORY_ATOM = 0x1772

_SLIDE_LIST_KIND = {0: "slide", 1: "master", 2: "notes"}  # by the list's recInstance
_LINE_BREAKS = str.maketrans({"\r": "\n", "\x0b": "\n"})
_MAX_EDITS = 4096  # a UserEditAtom chain longer than this is a loop


@dataclass(frozen=True, slots=True)
class Atom:
    """A leaf record: its type, instance, body span and the container types above it."""

    rec_type: int
    instance: int
    start: int
    end: int
    parents: tuple[tuple[int, int], ...]  # (recType, recInstance), outermost first


def walk(data: bytes, start: int, end: int, deadline: Deadline) -> Iterator[Atom]:
    """Every atom in the records between start and end, depth first, bounds checked."""
    if end > len(data) or start < 0:
        raise CorruptFile("ppt: record range lies outside the stream")
    stack: list[tuple[int, int, int]] = []  # (end, recType, recInstance) of open containers
    pos, count = start, 0
    while pos < end:
        count += 1
        if count % 4096 == 0:
            deadline.check()
        while stack and pos >= stack[-1][0]:
            stack.pop()
        limit = stack[-1][0] if stack else end
        if pos + HEADER.size > limit:
            raise CorruptFile(f"ppt: record header at {pos} runs past its container")
        ver_inst, rec_type, length = HEADER.unpack_from(data, pos)
        rec_end = pos + HEADER.size + length
        if rec_end > limit:
            raise CorruptFile(f"ppt: record {rec_type:#06x} at {pos} runs past its container")
        if ver_inst & 0xF == _CONTAINER_VERSION:
            stack.append((rec_end, rec_type, ver_inst >> 4))
            pos += HEADER.size
            continue
        parents = tuple((t, i) for _, t, i in stack)
        yield Atom(rec_type, ver_inst >> 4, pos + HEADER.size, rec_end, parents)
        pos = rec_end


def record_span(data: bytes, offset: int) -> tuple[int, int]:
    """(start, end) of the whole record at offset, checked against the stream."""
    if offset < 0 or offset + HEADER.size > len(data):
        raise CorruptFile(f"ppt: record offset {offset} lies outside the stream")
    end = offset + HEADER.size + HEADER.unpack_from(data, offset)[2]
    if end > len(data):
        raise CorruptFile(f"ppt: record at {offset} runs past the stream")
    return offset, end


def atom_text(data: bytes, atom: Atom) -> str | None:
    """The text of a text-bearing atom, line breaks as newlines; None for other atoms and
    for what is not content (empty text, '*' field placeholders, ___PPT10 tag names)."""
    body = data[atom.start : atom.end]
    if atom.rec_type in (TEXT_CHARS_ATOM, CSTRING):
        text = body[: len(body) - len(body) % 2].decode("utf-16-le", "replace")
    elif atom.rec_type == TEXT_BYTES_ATOM:
        text = body.decode("cp1252", "replace")  # the low bytes of UTF-16 code units
    else:
        return None
    if text.strip() in ("", "*") or text.startswith("___PPT"):
        return None
    return text.translate(_LINE_BREAKS)


# --- the persist directory: where each slide lives ------------------------------------


def _u32(data: bytes, offset: int, end: int) -> int:
    if offset + 4 > end:
        raise CorruptFile("ppt: atom too short")
    return int(struct.unpack_from("<I", data, offset)[0])


def current_edit_offset(current_user: bytes) -> int:
    """CurrentUserAtom: offsetToCurrentEdit sits 16 bytes into the stream."""
    if len(current_user) < 20:
        raise CorruptFile("ppt: Current User stream too short")
    return int(struct.unpack_from("<I", current_user, 16)[0])


def persist_offsets(data: bytes, edit_offset: int, deadline: Deadline) -> tuple[dict[int, int], int]:
    """persist id -> stream offset over the whole UserEditAtom chain (newest entry wins),
    and the DocumentContainer's persist id from the newest edit."""
    offsets: dict[int, int] = {}
    doc_ref: int | None = None
    seen: set[int] = set()
    while edit_offset and edit_offset not in seen and len(seen) < _MAX_EDITS:
        deadline.check()
        seen.add(edit_offset)
        start, end = record_span(data, edit_offset)
        if HEADER.unpack_from(data, start)[1] != USER_EDIT_ATOM:
            raise CorruptFile("ppt: Current User does not point at a UserEditAtom")
        body = start + HEADER.size
        doc_ref = _u32(data, body + 16, end) if doc_ref is None else doc_ref
        for pid, off in _directory_entries(data, _u32(data, body + 12, end)):
            offsets.setdefault(pid, off)
        edit_offset = _u32(data, body + 8, end)
    if doc_ref is None:
        raise CorruptFile("ppt: no UserEditAtom")
    return offsets, doc_ref


def _directory_entries(data: bytes, offset: int) -> Iterator[tuple[int, int]]:
    start, end = record_span(data, offset)
    if HEADER.unpack_from(data, start)[1] != PERSIST_DIRECTORY_ATOM:
        raise CorruptFile("ppt: UserEditAtom does not point at a PersistDirectoryAtom")
    pos = start + HEADER.size
    while pos < end:
        head = _u32(data, pos, end)
        first, count = head & 0xFFFFF, head >> 20
        for i in range(count):
            yield first + i, _u32(data, pos + 4 + 4 * i, end)
        pos += 4 + 4 * count


# --- reading by slide ------------------------------------------------------------------


@dataclass(slots=True)
class _ListEntry:
    """One SlidePersistAtom of a slide list and the placeholder text that follows it."""

    persist_ref: int
    slide_id: int
    texts: list[str] = field(default_factory=list)


def _slide_lists(data: bytes, doc: tuple[int, int], deadline: Deadline) -> dict[str, list[_ListEntry]]:
    lists: dict[str, list[_ListEntry]] = {"slide": [], "master": [], "notes": []}
    for atom in walk(data, *doc, deadline):
        owner = next((i for t, i in reversed(atom.parents) if t == SLIDE_LIST_WITH_TEXT), None)
        kind = _SLIDE_LIST_KIND.get(owner) if owner is not None else None
        if kind is None:
            continue
        if atom.rec_type == SLIDE_PERSIST_ATOM:
            ref, slide_id = _u32(data, atom.start, atom.end), _u32(data, atom.start + 12, atom.end)
            lists[kind].append(_ListEntry(ref, slide_id))
        elif (text := atom_text(data, atom)) is not None and lists[kind]:
            lists[kind][-1].texts.append(text)
    return lists


def _texts_at(data: bytes, offset: int | None, read: set[int], deadline: Deadline
              ) -> tuple[list[str], int | None]:
    """The texts of the record at offset, and a NotesAtom's slideIdRef if it holds one.
    An offset already in ``read`` gives nothing: hostile lists may name one record often."""
    if offset is None or offset in read:
        return [], None
    read.add(offset)
    texts, slide_ref = [], None
    for atom in walk(data, *record_span(data, offset), deadline):
        if atom.rec_type == NOTES_ATOM:
            slide_ref = _u32(data, atom.start, atom.end)
        elif (text := atom_text(data, atom)) is not None:
            texts.append(text)
    return texts, slide_ref


def texts_by_slide(data: bytes, current_user: bytes, deadline: Deadline) -> list[tuple[str, list[str]]]:
    """(label, texts) per slide, master and notes page, found through the persist directory."""
    offsets, doc_ref = persist_offsets(data, current_edit_offset(current_user), deadline)
    if doc_ref not in offsets:
        raise CorruptFile("ppt: the document's persist id has no offset")
    lists = _slide_lists(data, record_span(data, offsets[doc_ref]), deadline)
    result: list[tuple[str, list[str]]] = []
    read: set[int] = set()
    number = {e.slide_id: n for n, e in enumerate(lists["slide"], start=1)}
    for n, entry in enumerate(lists["slide"], start=1):
        own, _ = _texts_at(data, offsets.get(entry.persist_ref), read, deadline)
        result.append((f"slide {n}", entry.texts + own))
    for entry in lists["master"]:
        own, _ = _texts_at(data, offsets.get(entry.persist_ref), read, deadline)
        result.append(("master", entry.texts + own))
    for n, entry in enumerate(lists["notes"], start=1):
        own, slide_ref = _texts_at(data, offsets.get(entry.persist_ref), read, deadline)
        result.append((f"notes {number.get(slide_ref or 0, n)}", entry.texts + own))
    return result


def texts_in_stream_order(data: bytes, deadline: Deadline) -> list[tuple[str, list[str]]]:
    """Fallback: every text atom of a linear walk, as one run."""
    texts = [t for atom in walk(data, 0, len(data), deadline) if (t := atom_text(data, atom)) is not None]
    return [(STREAM, texts)]


def ppt_blocks(ole: olefile.OleFileIO, deadline: Deadline) -> Iterator[TextBlock]:
    """The text of an open, unencrypted .ppt: one TextBlock per slide, notes page or master
    holding text, one line per paragraph."""
    data = ole.openstream(STREAM).read()
    current_user = ole.openstream(CURRENT_USER).read() if ole.exists(CURRENT_USER) else b""
    try:
        runs = texts_by_slide(data, current_user, deadline)
    except CorruptFile:
        runs = texts_in_stream_order(data, deadline)
    for label, texts in runs:
        if texts:
            yield TextBlock("\n".join(texts), where=label, first_line=1)
