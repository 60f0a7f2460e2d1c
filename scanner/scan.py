"""The whole life of one file: stat, open, sniff, prefilter, extract, detect -> ScanResult.

Every path ends as exactly one outcome (model.Outcome), never an exception:

- lstat fails with ENOENT -> ``vanished``; not a regular file, or a cloud placeholder whose
  content is not on this disk (reading it would download it) -> ``unsupported``; over
  ``ScanLimits.max_file_bytes`` -> ``too_large`` without opening it.
- open: PermissionError -> ``unreadable``; a symlink or FIFO swapped in since the walk
  -> ``unsupported`` (O_NOFOLLOW, O_NONBLOCK; see scanner.fileio). O_NOATIME where allowed.
- plain text and CSV in an ASCII-compatible encoding first go through the engine's
  byte prefilter in one pass; no candidate -> ``clean`` without decoding anything.
- an extractor's ScanStop -> its outcome and reason; an I/O error -> ``unreadable``;
  any other exception -> ``error`` with "ExcType: message" (quoted text and digit runs
  masked: an exception message must not carry raw content).
- Findings made before an extractor stopped are kept: the file is ``findings`` and the
  stop is recorded as a PartNote (a file proven to hold PII is judged as such, and the
  note says the scan was incomplete). Without findings the stop is the outcome.
- ``ScanLimits.per_file_seconds`` is enforced by a Deadline checked between blocks and
  in extractor loops -> ``timeout``.
- The file's own path below the sweep root is read too (a scan saved as
  1234-567890_山田太郎.pdf): a number in it makes the file ``findings`` whatever became of its
  content, which is then a PartNote.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from .errors import Encrypted, ScanStop
from .extract import HEAD_BYTES, FormatSpec, ScanContext, Source, sniff
from .extract.text import REFERENCE_FORMATS, TEXT_FORMAT_NAMES, raw_prefilter_applies
from .fileio import ReadCounter, content_elsewhere, open_for_scan, read_head, stream_opener
from .limits import Deadline, ScanLimits
from .model import Block, FileRef, Finding, Outcome, PartNote, ScanResult, display_path
from .parts import describe, settle_parts
from .walk import special_kind

PREFILTER_CHUNK = 1 << 20
CLOUD_PLACEHOLDER = ("cloud placeholder (OneDrive Files On-Demand, iCloud, an archived file): its content is not "
                     "on this disk, and reading it would download it; scan it where it is stored")
PREFILTER_OVERLAP = 256  # bytes carried between chunks so a candidate on a boundary is seen


class Detection(Protocol):
    findings: list[Finding]
    pension_records: int


class Detector(Protocol):
    """What scan_file needs from the detection engine (scanner.detect's Engine)."""

    def prefilter(self, data: bytes) -> bool:
        """False: no candidate is possible in these raw bytes (UTF-8/CP932/EUC-JP)."""
        ...

    def scan(self, blocks: Iterable[Block]) -> Detection: ...

    def scan_name(self, name: str) -> Detection:
        """Findings in a file's own path (none unless a number is among them)."""
        ...


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_DIGIT_RUN = re.compile(r"\d{4,}")


def safe_reason(exc: BaseException) -> str:
    """ "ExcType: message" with quoted text and runs of 4+ digits masked (no raw content)."""
    message = _QUOTED.sub("'…'", str(exc))
    message = _DIGIT_RUN.sub(lambda m: "#" * len(m.group()), message)
    return f"{type(exc).__name__}: {message}"[:300]


def classify(exc: BaseException) -> tuple[Outcome, str]:
    """The outcome and reason an exception ends a file (or part) with."""
    if isinstance(exc, ScanStop):
        return exc.outcome, exc.reason
    if isinstance(exc, OSError) and exc.errno is not None:
        return Outcome.UNREADABLE, f"{type(exc).__name__}: {os.strerror(exc.errno)}"
    return Outcome.ERROR, safe_reason(exc)


def _stopped(exc: BaseException, **facts: object) -> ScanResult:
    outcome, reason = classify(exc)
    result = ScanResult(outcome=outcome, reason=reason, **facts)  # type: ignore[arg-type]
    if isinstance(exc, Encrypted):
        result.encrypted, result.protection = True, exc.reason
    return result


def _special_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "directory"
    return special_kind(mode) or "unknown file type"


def _precheck(path: bytes, limits: ScanLimits) -> ScanResult | None:
    """Outcome decided by lstat alone, or None when the file should be opened."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return ScanResult(Outcome.VANISHED, reason="gone before scanning")
    except OSError as exc:
        return _stopped(exc)
    if not stat.S_ISREG(st.st_mode):
        return ScanResult(Outcome.UNSUPPORTED, reason=_special_kind(st.st_mode))
    if content_elsewhere(st):
        return ScanResult(Outcome.UNSUPPORTED, reason=CLOUD_PLACEHOLDER)
    if st.st_size > limits.max_file_bytes:
        return ScanResult(Outcome.TOO_LARGE, reason=f"{st.st_size} bytes > max_file_bytes {limits.max_file_bytes}")
    return None


def _open(path: bytes) -> int | ScanResult:
    try:
        return open_for_scan(path)
    except (FileNotFoundError, NotADirectoryError):
        return ScanResult(Outcome.VANISHED, reason="gone before opening")
    except OSError as exc:
        if exc.errno == getattr(os, "ELOOP", -1):  # O_NOFOLLOW met a symlink swapped in
            return ScanResult(Outcome.UNSUPPORTED, reason="symlink")
        return _stopped(exc)


def scan_file(target: FileRef | bytes | str | os.PathLike[str], engine: Detector,
              limits: ScanLimits | None = None) -> ScanResult:
    """Scan one file on disk. Never raises for anything the file does (see module doc)."""
    path = target.raw_path if isinstance(target, FileRef) else os.fsencode(target)
    result = _scan_content(path, engine, limits or ScanLimits())
    if result.outcome == Outcome.VANISHED:
        return result
    return with_name_findings(result, engine.scan_name(own_path(path, target.root if isinstance(target, FileRef)
                                                                else None)))


def own_path(path: bytes, root: bytes | None) -> str:
    """The part of a file's path that is its own: below the sweep root (a folder 1234-567890_山田
    names what it holds), or its name alone."""
    if root:
        try:
            relative = os.path.relpath(path, root)
        except ValueError:  # Windows: another drive
            relative = b".."
        if relative != b".." and not relative.startswith(os.pardir.encode() + os.sep.encode()):
            return display_path(relative)  # below the root ("..名簿" is a folder's name, not a way up)
    return display_path(os.path.basename(path))


def with_name_findings(result: ScanResult, named: Detection) -> ScanResult:
    """``result`` with what the file's name holds. A number in the name makes the file one with
    findings even when its content could not be read (an image-only scan, an encrypted
    workbook): the content's outcome becomes a note, as a part left unread does."""
    if not named.findings:
        return result
    known = {(f.detector, f.value_hash) for f in result.findings}
    fresh = [f for f in named.findings if (f.detector, f.value_hash) not in known]
    if fresh:  # a name repeating what the content holds is no further record
        result.findings.extend(fresh)
        result.pension_records += named.pension_records
    if result.outcome not in (Outcome.CLEAN, Outcome.FINDINGS):
        result.parts.append(PartNote(where="content", outcome=result.outcome, reason=result.reason,
                                     encrypted=result.encrypted))
        result.reason = describe([p for p in result.parts if not p.read_anyway])
    result.outcome = Outcome.FINDINGS
    return result


def _scan_content(path: bytes, engine: Detector, limits: ScanLimits) -> ScanResult:
    decided = _precheck(path, limits)
    if decided is not None:
        return decided
    fd = _open(path)
    if isinstance(fd, ScanResult):
        return fd
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # replaced since lstat
            return ScanResult(Outcome.UNSUPPORTED, reason=_special_kind(st.st_mode))
        if st.st_size > limits.max_file_bytes:
            return ScanResult(Outcome.TOO_LARGE, reason=f"{st.st_size} bytes > max_file_bytes {limits.max_file_bytes}")
        counter = ReadCounter()
        try:
            head = read_head(fd, HEAD_BYTES, counter)
        except OSError as exc:
            return _stopped(exc)
        source = Source(name=display_path(path), size=st.st_size, opener=stream_opener(fd, st.st_size, counter),
                        head=head, path=path)
        return scan_source(source, engine, limits, counter=counter)
    finally:
        os.close(fd)


def scan_source(source: Source, engine: Detector, limits: ScanLimits | None = None, *,
                deadline: Deadline | None = None, counter: ReadCounter | None = None) -> ScanResult:
    """Scan something already open (a file's Source, an archive member, test bytes)."""
    limits = limits or ScanLimits()
    ctx = ScanContext(limits=limits, deadline=deadline or Deadline(limits.per_file_seconds))
    file_type = ""
    try:
        spec = sniff(source)
        if spec is None:
            return ScanResult(Outcome.UNSUPPORTED, reason="no extractor recognises this content")
        file_type = spec.name
        if _prefilter_says_clean(source, spec, engine, ctx.deadline):
            result = ScanResult(Outcome.CLEAN, file_type=file_type)
        else:
            result = _extract_and_detect(source, spec, engine, ctx)
    except Exception as exc:  # the engine or a sniffer failed: this file only
        result = _stopped(exc, file_type=file_type, parts=ctx.notes)
    result.bytes_read = counter.total if counter is not None else source.size
    return result


def _prefilter_says_clean(source: Source, spec: FormatSpec, engine: Detector, deadline: Deadline) -> bool:
    """One pass of the byte prefilter over raw text; True when no candidate can exist.
    In markup, a character reference (&#65297;) may spell a digit or a keyword the raw
    bytes do not show: such a file is read."""
    if spec.name not in TEXT_FORMAT_NAMES or not raw_prefilter_applies(source):
        return False
    references = spec.name in REFERENCE_FORMATS

    def may_match(data: bytes) -> bool:
        return engine.prefilter(data) or (references and b"&#" in data)

    if source.size <= len(source.head):
        return not may_match(source.head)
    with source.opener() as raw:
        carry = b""
        while chunk := raw.read(PREFILTER_CHUNK):
            deadline.check()
            if may_match(carry + chunk):
                return False
            carry = chunk[-PREFILTER_OVERLAP:]
    return True


def _guarded(items: Iterator[Block | PartNote], ctx: ScanContext,
             stops: list[BaseException]) -> Iterator[Block]:
    """Blocks for the engine; PartNotes go to ctx.notes; an extractor's exception ends
    the stream quietly and is kept in ``stops`` (so findings so far survive)."""
    try:
        for item in items:
            ctx.deadline.check()
            if isinstance(item, PartNote):
                ctx.notes.append(item)
            else:
                yield item
    except Exception as exc:
        stops.append(exc)


def _extract_and_detect(source: Source, spec: FormatSpec, engine: Detector, ctx: ScanContext) -> ScanResult:
    stops: list[BaseException] = []
    detection = engine.scan(_guarded(spec.extract(source, ctx), ctx, stops))
    result = ScanResult(Outcome.FINDINGS if detection.findings else Outcome.CLEAN,
                        findings=list(detection.findings), pension_records=detection.pension_records,
                        file_type=spec.name, parts=ctx.notes)
    if stops and result.findings:
        outcome, reason = classify(stops[0])
        result.parts.append(PartNote(where="rest of the file", outcome=outcome, reason=f"scan incomplete: {reason}",
                                     encrypted=isinstance(stops[0], Encrypted)))
        if isinstance(stops[0], Encrypted):  # findings outside the password (an archive's names): still protected
            result.encrypted, result.protection = True, stops[0].reason
    elif stops:
        return _stopped(stops[0], file_type=spec.name, parts=ctx.notes)
    return settle_parts(result)


# --- process pool entry points ------------------------------------------------------

_worker_state: tuple[Detector, ScanLimits] | None = None


def init_worker(engine_factory: Callable[[], Detector], limits: ScanLimits) -> None:
    """ProcessPoolExecutor initializer: build the engine once per worker process."""
    global _worker_state
    _worker_state = (engine_factory(), limits)


def scan_in_worker(target: FileRef | bytes) -> ScanResult:
    """Pool task: scan one file with the worker's engine (init_worker must have run)."""
    if _worker_state is None:
        raise RuntimeError("scan_in_worker called before init_worker")
    engine, limits = _worker_state
    return scan_file(target, engine, limits)
