"""Archives: zip, 7z, tar (plain or compressed) and single-file gz/bz2/xz.

Every member goes back through ``ScanContext.members`` so it is sniffed and extracted
like a file; its blocks' locations are prefixed with the member path, so a finding reads
``inner.zip!list.csv!B4`` inside ``outer.zip``.

Limits, like ClamAV's, are checked from the declared sizes BEFORE anything is
decompressed (member count, total bytes, per-member ratio, overlapping zip entries), and
every read has a hard byte cap, so a lying header cannot exhaust memory: big members
spill to a temporary file. Encrypted members become PartNotes and the archive goes on;
an archive whose members are all encrypted (or a 7z with encrypted headers) is Encrypted.
A member that ends with its own outcome (corrupt, unsupported) becomes a PartNote too;
limits and the per-file deadline end the whole archive.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import os
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import IO, BinaryIO, Protocol

from ..errors import CorruptFile, Encrypted, LimitExceeded, ScanStop, ScanTimeout
from ..model import Block, Outcome, PartNote
from ..protection import SEVENZIP_MAGIC, ZIP_MAGIC, zip_member_protection
from . import HEAD_BYTES, FormatSpec, ScanContext, Source, member_name_block

CHUNK = 1 << 20
SPILL_BYTES = 16 << 20  # members bigger than this go to a temporary file, not memory
RATIO_FLOOR = 1 << 20  # small members may compress extremely well; ratios count above this
ZIP_LOCAL_HEADER = 30



class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


_STREAM_MAGIC: dict[bytes, Callable[[BinaryIO], io.BufferedIOBase]] = {
    b"\x1f\x8b": lambda f: gzip.GzipFile(fileobj=f),
    b"BZh": lambda f: bz2.BZ2File(f),
    b"\xfd7zXZ\x00": lambda f: lzma.LZMAFile(f),  # noqa: SIM115
}


# --- member names and locations -------------------------------------------------------


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """The member's name: UTF-8 when flag bit 11 says so, else CP932 (Japanese Windows),
    else escaped bytes; never dropped."""
    if info.flag_bits & 0x800:
        return info.orig_filename
    return decoded_name(_raw_name(info))  # zipfile decoded the raw bytes as cp437


def decoded_name(raw: bytes, encodings: tuple[str, ...] = ("utf-8", "cp932"), *, dos_separators: bool = False
                 ) -> str:
    """A member name from an archive's raw bytes: the first of ``encodings`` that decodes it
    cleanly (its backslashes made slashes where the archiver wrote DOS paths), else CP932 with
    the bytes it cannot decode escaped, their backslashes kept; never dropped."""
    for encoding in encodings:
        with contextlib.suppress(UnicodeDecodeError):
            name = raw.decode(encoding)
            return name.replace("\\", "/") if dos_separators else name
    return raw.decode("cp932", "backslashreplace")


def _raw_name(info: zipfile.ZipInfo) -> bytes:
    return info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")


def _prefixed(items: Iterable[Block | PartNote], member: str) -> Iterator[Block | PartNote]:
    for item in items:
        yield replace(item, where=f"{member}!{item.where}" if item.where else member)


def _member_source(parent: Source, name: str, size: int, opener: Callable[[], BinaryIO], head: bytes
                   ) -> Source:
    member = f"{parent.member}!{name}" if parent.member else name
    return Source(name=f"{parent.name}!{name}", size=size, opener=opener, head=head,
                  depth=parent.depth + 1, member=member)


def scan_member(parent: Source, name: str, stream: Readable, cap: int, ctx: ScanContext
                ) -> Iterator[Block | PartNote]:
    """Read a member with a hard cap, then extract it like a file. Its own outcomes
    (corrupt, unsupported, encrypted) become a PartNote; limits and timeouts propagate."""
    with _read_capped(stream, cap, name, ctx) as (size, opener, head):
        try:
            yield from _prefixed(ctx.members(_member_source(parent, name, size, opener, head)), name)
        except (LimitExceeded, ScanTimeout):
            raise
        except ScanStop as stop:
            yield PartNote(name, stop.outcome, stop.reason, encrypted=stop.outcome == Outcome.ENCRYPTED)


@contextlib.contextmanager
def _read_capped(stream: Readable, cap: int, name: str, ctx: ScanContext
                 ) -> Iterator[tuple[int, Callable[[], BinaryIO], bytes]]:
    """(size, opener, head) of a member read to at most ``cap`` bytes; over it is a limit."""
    buffer = bytearray()
    spill: IO[bytes] | None = None
    size = 0
    try:
        while chunk := stream.read(CHUNK):
            ctx.deadline.check()
            size += len(chunk)
            if size > cap:
                raise LimitExceeded(f"archive_max_total_bytes ({ctx.limits.archive_max_total_bytes}) at {name}")
            if spill is None and size > SPILL_BYTES:
                spill = tempfile.NamedTemporaryFile(prefix="pii-agent-", delete=False)  # noqa: SIM115
                spill.write(buffer)
                buffer = bytearray()
            if spill is not None:
                spill.write(chunk)
            else:
                buffer += chunk
        if spill is None:
            data = bytes(buffer)
            yield size, lambda: io.BytesIO(data), data[:HEAD_BYTES]
        else:
            spill.close()
            path = spill.name
            with open(path, "rb") as f:
                head = f.read(HEAD_BYTES)
            yield size, lambda: open(path, "rb"), head  # noqa: SIM115
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as exc:
        raise CorruptFile(f"member {name} unreadable: {exc}") from exc
    finally:
        if spill is not None:
            spill.close()
            os.unlink(spill.name)


def encrypted_member(name: str, method: str) -> Iterator[Block | PartNote]:
    """A member behind a password: its name, which the password does not cover, and a note."""
    yield member_name_block(name)
    yield PartNote(name, Outcome.ENCRYPTED, method, encrypted=True)


def member_budget(ctx: ScanContext) -> int:
    """Bytes the archive limits still allow a member."""
    return max(ctx.limits.archive_max_total_bytes - ctx.archive_bytes, 0)


def check_ratio(name: str, uncompressed: int, compressed: int, ctx: ScanContext) -> None:
    if uncompressed > RATIO_FLOOR and uncompressed > ctx.limits.archive_max_ratio * max(compressed, 1):
        raise LimitExceeded(f"archive_max_ratio ({ctx.limits.archive_max_ratio:g}) at {name}")


def check_totals(count: int, declared_bytes: int, ctx: ScanContext) -> None:
    limits = ctx.limits
    if ctx.archive_members + count > limits.archive_max_members:
        raise LimitExceeded(f"archive_max_members ({limits.archive_max_members})")
    if ctx.archive_bytes + declared_bytes > limits.archive_max_total_bytes:
        raise LimitExceeded(f"archive_max_total_bytes ({limits.archive_max_total_bytes})")


# --- zip ----------------------------------------------------------------------------------


def check_zip_overlap(infos: list[zipfile.ZipInfo]) -> None:
    """Entries whose data overlap (one compressed stream shared by many entries) are the
    trick of non-recursive zip bombs; honest archives never have them."""
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for a, b in zip(ordered, ordered[1:], strict=False):
        end_of_a = a.header_offset + ZIP_LOCAL_HEADER + len(_raw_name(a)) + a.compress_size
        if b.header_offset < end_of_a:
            raise LimitExceeded("archive_overlapping_entries (zip bomb)")


def extract_zip(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    try:
        zf = zipfile.ZipFile(source.opener())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise CorruptFile(f"unreadable zip: {exc}") from exc
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        check_totals(len(infos), sum(i.file_size for i in infos), ctx)
        check_zip_overlap(zf.infolist())
        protections = [zip_member_protection(i) for i in infos]
        if infos and all(p.encrypted for p in protections):
            yield from (member_name_block(zip_member_name(i)) for i in infos)  # names are not encrypted
            raise Encrypted(protections[0].method)
        for info, protection in zip(infos, protections, strict=True):
            ctx.deadline.check()
            name = zip_member_name(info)
            if protection.encrypted:
                yield from encrypted_member(name, protection.method)
                continue
            check_ratio(name, info.file_size, info.compress_size, ctx)
            try:
                stream = zf.open(info)
            except (zipfile.BadZipFile, NotImplementedError, OSError) as exc:
                yield PartNote(name, Outcome.ERROR, f"member unreadable: {exc}")
                continue
            with stream:
                yield from scan_member(source, name, stream, min(info.file_size, member_budget(ctx)), ctx)


# --- 7z -------------------------------------------------------------------------------------


class _CappedSpool:
    """A py7zr writer that refuses to grow past its cap and spills to disk."""

    def __init__(self, cap: int, name: str) -> None:
        self.cap, self.name = cap, name
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPILL_BYTES)  # noqa: SIM115
        self.written = 0

    def write(self, data: bytes | bytearray) -> int:
        self.written += len(data)
        if self.written > self.cap:
            raise LimitExceeded(f"archive_max_total_bytes at {self.name}")
        return self.file.write(data)

    def read(self, size: int | None = None) -> bytes:
        return self.file.read(-1 if size is None else size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.file.seek(offset, whence)

    def flush(self) -> None:
        self.file.flush()

    def size(self) -> int:
        return self.written

    def close(self) -> None:  # py7zr calls this when a member is done; keep the data
        return None


def extract_7z(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    import py7zr
    from py7zr.exceptions import PasswordRequired
    from py7zr.io import WriterFactory

    try:
        archive = py7zr.SevenZipFile(source.opener())
    except PasswordRequired as exc:
        raise Encrypted("7z-aes-header") from exc
    except (py7zr.Bad7zFile, OSError, ValueError, EOFError, KeyError, IndexError) as exc:
        raise CorruptFile(f"unreadable 7z: {exc}") from exc
    with archive:
        files = [f for f in archive.list() if not f.is_directory]
        if files and archive.needs_password():
            yield from (member_name_block(f.filename) for f in files)  # listed without the password
            raise Encrypted("7z-aes")
        declared = sum(f.uncompressed for f in files)
        check_totals(len(files), declared, ctx)
        check_ratio(source.name, declared, source.size, ctx)
        spools: dict[str, _CappedSpool] = {}
        budget = member_budget(ctx)

        class Factory(WriterFactory):
            def create(self, filename: str) -> _CappedSpool:  # type: ignore[override]
                spools[filename] = _CappedSpool(budget, filename)
                return spools[filename]

        try:
            archive.extract(factory=Factory())
        except ScanStop:
            raise
        except Exception as exc:  # py7zr raises many types for damaged data
            raise CorruptFile(f"7z data unreadable: {exc}") from exc
    for name, spool in spools.items():
        ctx.deadline.check()
        spool.file.seek(0)
        with spool.file:
            yield from scan_member(source, name, spool.file, spool.written, ctx)


# --- tar and single-stream compression -------------------------------------------------------


def _decompressor(source: Source) -> Callable[[BinaryIO], io.BufferedIOBase] | None:
    for magic, opener in _STREAM_MAGIC.items():
        if source.head.startswith(magic):
            return opener
    return None


def _is_tar(source: Source) -> bool:
    return source.head[257:262] == b"ustar"


def extract_tar(source: Source, ctx: ScanContext, stream: Readable) -> Iterator[Block | PartNote]:
    """Streams through the tar ("r|"): declared sizes are checked as each header arrives."""
    declared = 0
    with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
        for count, member in enumerate(tar, start=1):
            ctx.deadline.check()
            if not member.isfile():
                continue
            declared += member.size
            check_totals(1, member.size, ctx)
            if count > ctx.limits.archive_max_members:
                raise LimitExceeded(f"archive_max_members ({ctx.limits.archive_max_members})")
            check_ratio(source.name, declared, source.size, ctx)
            data = tar.extractfile(member)
            if data is None:
                continue
            yield from scan_member(source, member.name, data, min(member.size, member_budget(ctx)), ctx)


def extract_stream(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    """tar, tar.gz/bz2/xz, or a single gz/bz2/xz file (its member is the name without suffix)."""
    wrap = _decompressor(source)
    try:
        if wrap is None:
            yield from extract_tar(source, ctx, source.opener())
            return
        with wrap(source.opener()) as probe:
            is_tar = probe.read(512)[257:262] == b"ustar"
        stream = _RatioGuard(wrap(source.opener()), source, ctx)
        if is_tar:
            yield from extract_tar(source, ctx, stream)
        else:
            name = source.name.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
            inner = name.rsplit(".", 1)[0] if "." in name else f"{name}.out"
            yield from scan_member(source, inner, stream, member_budget(ctx), ctx)
    except (tarfile.TarError, OSError, EOFError, lzma.LZMAError) as exc:
        raise CorruptFile(f"unreadable archive stream: {exc}") from exc


class _RatioGuard:
    """Counts decompressed bytes and stops at the ratio limit (gz bombs have no headers)."""

    def __init__(self, stream: io.BufferedIOBase, source: Source, ctx: ScanContext) -> None:
        self.stream, self.source, self.ctx = stream, source, ctx
        self.out = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.out += len(data)
        check_ratio(self.source.name, self.out, self.source.size, self.ctx)
        return data


# --- sniffing --------------------------------------------------------------------------------


def _is_zip(source: Source) -> bool:
    return source.head.startswith(ZIP_MAGIC) or source.head.startswith(b"PK\x05\x06")


def _is_7z(source: Source) -> bool:
    return source.head.startswith(SEVENZIP_MAGIC)


def _is_stream_archive(source: Source) -> bool:
    return _is_tar(source) or _decompressor(source) is not None


# Below the Office formats (70), which are ZIPs too, above CSV and the text fallback.
FORMATS = [
    FormatSpec("zip", _is_zip, extract_zip, priority=60),
    FormatSpec("7z", _is_7z, extract_7z, priority=60),
    FormatSpec("tar", _is_stream_archive, extract_stream, priority=60),
]
