"""The facts the scanner produces. Shared by every part of pii-agent.

The scanner is pure: bytes or a path go in, these facts come out. Nothing here
holds raw PII once a scan has finished: a Finding carries only a keyed hash
(``value_hash``) and a masked form of the value it matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum


class Outcome(StrEnum):
    """Every scanned file ends as exactly one of these. Nothing is silently 'OK'."""

    CLEAN = "clean"
    FINDINGS = "findings"
    ENCRYPTED = "encrypted"
    UNREADABLE = "unreadable"  # permission denied, I/O error
    TOO_LARGE = "too_large"  # over the configured size cap
    LIMIT_EXCEEDED = "limit_exceeded"  # an archive limit (members, depth, ratio, total bytes)
    UNSUPPORTED = "unsupported"  # special file, format we cannot read (reason says which)
    ERROR = "error"  # corrupt or hostile content; reason says what
    TIMEOUT = "timeout"  # per-file time limit hit
    VANISHED = "vanished"  # disappeared between listing and reading


class Confidence(IntEnum):
    """Ordered confidence levels; scores in [0, 1] map onto them."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @classmethod
    def from_score(cls, score: float) -> Confidence:
        # Module constants, not cls.HIGH: enum attribute lookup is slow, and a roster asks this per value.
        if score >= 0.8:
            return _HIGH
        if score >= 0.5:
            return _MEDIUM
        return _LOW

    @classmethod
    def parse(cls, name: str) -> Confidence:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown confidence {name!r}; expected low, medium or high") from None

    @property
    def label(self) -> str:
        return self.name.lower()


_LOW, _MEDIUM, _HIGH = Confidence.LOW, Confidence.MEDIUM, Confidence.HIGH


# --- What extractors yield -------------------------------------------------


@dataclass(slots=True)
class TextBlock:
    """A run of running text (a chunk of a text file, a PDF page, a Word paragraph run).

    ``where`` names the container part ("" for a plain file, "page 3", "word/document.xml",
    "inner.zip!list.txt"); ``first_line`` is the 1-based line number ``text`` starts at,
    or None where lines mean nothing (a PDF page keeps its page in ``where``).
    """

    text: str
    where: str = ""
    first_line: int | None = 1


@dataclass(slots=True)
class NameBlock(TextBlock):
    """A file's or an archive member's own path (below the sweep root, or inside its archive):
    read like text, but it counts only when it holds a number at medium or above, so a letter
    named 山田太郎様.docx is not a finding and a scan saved as 1234-567890_山田太郎.pdf is."""


@dataclass(slots=True)
class TableBlock:
    """A run of table rows (CSV lines, a sheet, a Word table).

    ``rows`` hold the cells as the user sees them (numbers formatted as displayed).
    ``headers[c]`` is the column header for column c ("" where unknown); a header found
    hundreds of rows above still applies. ``first_row`` is the 1-based row number of
    ``rows[0]`` in the sheet/file, so a cell is ``where!<col letter><first_row + i>``.
    """

    rows: list[list[str]]
    headers: list[str] = field(default_factory=list)
    where: str = ""
    first_row: int = 1


@dataclass(slots=True)
class PartNote:
    """A part of a container that has its own outcome (an encrypted zip member, a sheet
    that failed to parse). The container records that part of it could not be read."""

    where: str
    outcome: Outcome
    reason: str = ""
    encrypted: bool = False
    read_anyway: bool = False  # the part was still scanned, lossily (text decoded with replacement)


Block = TextBlock | TableBlock


# --- What the detection engine produces -------------------------------------


@dataclass(slots=True)
class Finding:
    """One matched value (all its sightings in a file). Holds no raw value: only its keyed
    hash and a masked form."""

    detector: str
    score: float
    value_hash: str  # HMAC-SHA256 (hex) of the normalized value under the installation key
    masked: str  # e.g. 1234-****90
    location: str  # "line 12", "Sheet1!B12", "page 3", "inner.zip!list.csv!B4"
    record: str | None = None  # key of the record (table row / text window) it belongs to
    reasons: tuple[str, ...] = ()  # why: pattern name, keyword, header, validator
    occurrences: int = 1  # sightings of this value in the file (the engine merges repeats)

    @property
    def confidence(self) -> Confidence:
        return Confidence.from_score(self.score)

    def __reduce__(self) -> tuple[type[Finding], tuple[object, ...]]:
        # Rebuilt from its fields: 2.5x cheaper to pickle than slot state (a roster sends
        # thousands of findings from a worker process to the sweep).
        return (Finding, (self.detector, self.score, self.value_hash, self.masked, self.location, self.record,
                          self.reasons, self.occurrences))


@dataclass(slots=True)
class ScanResult:
    """Everything the scanner learned from one file's content."""

    outcome: Outcome
    reason: str = ""
    findings: list[Finding] = field(default_factory=list)
    encrypted: bool = False
    protection: str = ""  # how it is protected, e.g. "ooxml-agile", "zip-aes", "pdf-user-password"
    file_type: str = ""  # detected by content: "text", "csv", "xlsx", "pdf", "zip" ...
    pension_records: int = 0  # distinct person records holding a pension number
    parts: list[PartNote] = field(default_factory=list)
    bytes_read: int = 0

    def __reduce__(self) -> tuple[type[ScanResult], tuple[object, ...]]:
        # Rebuilt from its fields, as Finding is: a worker sends one per file, and the
        # sweep's one core unpickles them all (slot state goes through Python per field).
        return (ScanResult, (self.outcome, self.reason, self.findings, self.encrypted, self.protection,
                             self.file_type, self.pension_records, self.parts, self.bytes_read))


# --- Who can read a file ----------------------------------------------------


@dataclass(slots=True)
class Exposure:
    """Who can read a file, on any platform, with the evidence kept for reports."""

    owner: str | None = None
    readers: list[str] = field(default_factory=list)  # "user:alice", "group:staff", "others", "S-1-1-0"
    broad_principals: list[str] = field(default_factory=list)  # the readers that mean "everyone"
    evidence: dict[str, object] = field(default_factory=dict)  # mode, ACL entries, SDDL

    @property
    def world_readable(self) -> bool:
        return bool(self.broad_principals)

    def __reduce__(self) -> tuple[type[Exposure], tuple[object, ...]]:
        return (Exposure, (self.owner, self.readers, self.broad_principals, self.evidence))  # see ScanResult


# --- What the walk produces -------------------------------------------------


def display_path(raw: bytes) -> str:
    """A printable, storable form of a POSIX bytes path: UTF-8 where it decodes,
    with undecodable bytes escaped as \\xNN (never dropped, never a crash)."""
    return raw.decode("utf-8", "backslashreplace")


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file found by the walk, from stat alone (nothing opened yet)."""

    raw_path: bytes  # the path as the OS gives it (bytes on POSIX)
    size: int
    mtime_ns: int
    inode: int
    mode: int  # st_mode, including the file type bits
    root: bytes  # the sweep root (or share root) it was found under
    zone: str = "local"

    def __reduce__(self) -> tuple[type[FileRef], tuple[object, ...]]:
        return (FileRef, (self.raw_path, self.size, self.mtime_ns, self.inode, self.mode, self.root, self.zone))

    @property
    def path(self) -> str:
        return display_path(self.raw_path)
