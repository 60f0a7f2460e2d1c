"""The register's tables (SQLAlchemy 2 typed ORM). No column holds a raw PII value.

The schema is created and changed only by the Alembic migrations in store/migrations;
these models must match the latest migration (a test compares them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .types import JsonDoc, PathText, UInt64, UTCDateTime


class Base(DeclarativeBase):
    pass


class Sweep(Base):
    """One run over some roots: what it covered and under which rule and policy versions."""

    __tablename__ = "sweeps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(255), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # sweep / watch / verify
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    roots: Mapped[list[str]] = mapped_column(JsonDoc)
    rules_version: Mapped[str] = mapped_column(String(128))
    policy_versions: Mapped[dict[str, str]] = mapped_column(JsonDoc)
    counts_by_outcome: Mapped[dict[str, int] | None] = mapped_column(JsonDoc)
    coverage: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)  # skipped/unreadable lists (issue 7)
    signature: Mapped[str | None] = mapped_column(Text)  # attestation signature (issue 7)


class File(Base):
    """The latest known facts about one path on one host."""

    __tablename__ = "files"
    __table_args__ = (
        # Unique by digest: a PostgreSQL btree entry holds at most ~2.7 KB, less than a deep
        # Japanese path. Exact-path lookups go by path_hash on both backends.
        UniqueConstraint("host", "path_hash", name="uq_files_host_path_hash"),
        # Folder ranges (store/paths.py) on SQLite; PostgreSQL filters them within one host
        # found by the unique index's leading column (an index on path could not hold them).
        Index("ix_files_host_path", "host", "path").ddl_if(dialect="sqlite"),
        Index("ix_files_present_outcome", "present", "outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(PathText)
    path_hash: Mapped[bytes] = mapped_column(LargeBinary(32))  # store.paths.path_hash(path)
    zone: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    inode: Mapped[int] = mapped_column(UInt64)
    content_hash: Mapped[str | None] = mapped_column(String(128))
    file_type: Mapped[str] = mapped_column(String(32), default="")
    outcome: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    encrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    protection: Mapped[str] = mapped_column(String(64), default="")
    pension_records: Mapped[int] = mapped_column(Integer, default=0)
    exposure: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    exposure_digest: Mapped[str | None] = mapped_column(String(32))  # digests.exposure_digest(exposure)
    rules_version: Mapped[str | None] = mapped_column(String(128))  # the detector rules its content was read under
    world_readable: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_sweep: Mapped[int] = mapped_column(ForeignKey("sweeps.id"))
    last_seen_sweep: Mapped[int] = mapped_column(ForeignKey("sweeps.id"), index=True)
    last_scanned_sweep: Mapped[int] = mapped_column(ForeignKey("sweeps.id"))
    last_scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_sweep: Mapped[int | None] = mapped_column(ForeignKey("sweeps.id"))


class Finding(Base):
    """One distinct value found in a file, kept as a keyed hash and a masked form."""

    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("file_id", "detector", "value_hash", name="uq_findings_file_value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"))
    detector: Mapped[str] = mapped_column(String(64))
    value_hash: Mapped[str] = mapped_column(String(128))  # copies are found by it: ix_findings_hash_detector
    masked: Mapped[str] = mapped_column(String(128))
    confidence: Mapped[int] = mapped_column(SmallInteger)
    score: Mapped[float] = mapped_column(Float)
    location: Mapped[str] = mapped_column(Text, default="")  # first place it was seen
    record_key: Mapped[str | None] = mapped_column(Text)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)


class Violation(Base):
    """A file that breaks one policy. Active while closed_at is NULL, whatever its status."""

    __tablename__ = "violations"
    __table_args__ = (
        Index("ix_violations_file_policy", "file_id", "policy_id"),
        Index("ix_violations_policy_status", "policy_id", "status"),
        # At most one active violation per file and policy: the guard against duplicates.
        Index(
            "uq_violations_active",
            "file_id",
            "policy_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No cascade: the register's history outlives any cleanup of file rows.
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id"))
    policy_id: Mapped[str] = mapped_column(String(128))
    policy_version: Mapped[str] = mapped_column(String(64))  # the version that opened it
    last_policy_version: Mapped[str] = mapped_column(String(64))  # the version that last judged it
    severity: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    evidence: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    opened_sweep: Mapped[int | None] = mapped_column(ForeignKey("sweeps.id"))
    last_seen_sweep: Mapped[int | None] = mapped_column(ForeignKey("sweeps.id"))
    closed_sweep: Mapped[int | None] = mapped_column(ForeignKey("sweeps.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str | None] = mapped_column(Text)
    # Lifecycle (issue 7, store/lifecycle.py): who owns the fix, by when, and how it was claimed.
    assignee: Mapped[str | None] = mapped_column(String(255))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_method: Mapped[str | None] = mapped_column(String(32))
    claimed_by: Mapped[str | None] = mapped_column(String(255))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ViolationEvent(Base):
    """Append-only history of a violation: every state change is one row."""

    __tablename__ = "violation_events"
    __table_args__ = (Index("ix_violation_events_violation_at", "violation_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violations.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(255))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    sweep_id: Mapped[int | None] = mapped_column(ForeignKey("sweeps.id"))
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)  # assignee, due, method, copies (issue 7)


class PolicyChange(Base):
    """One re-judgement of the stored files under new policy versions (`policy reapply`)."""

    __tablename__ = "policy_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(255))
    host: Mapped[str | None] = mapped_column(String(255))  # None: every host
    old_versions: Mapped[dict[str, str]] = mapped_column(JsonDoc)  # policy id -> version
    new_versions: Mapped[dict[str, str]] = mapped_column(JsonDoc)
    files_judged: Mapped[int] = mapped_column(Integer)
    opened_by_policy: Mapped[dict[str, int]] = mapped_column(JsonDoc)
    closed_by_policy: Mapped[dict[str, int]] = mapped_column(JsonDoc)
    opened_ids: Mapped[list[int]] = mapped_column(JsonDoc)
    closed_ids: Mapped[list[int]] = mapped_column(JsonDoc)


class Suppression(Base):
    """A value hash judged a false positive everywhere (issue 7): the agent drops findings
    of these hashes before policies judge a file (store/lifecycle.py explains)."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value_hash: Mapped[str] = mapped_column(String(128), index=True)
    detector: Mapped[str | None] = mapped_column(String(64))
    violation_id: Mapped[int | None] = mapped_column(ForeignKey("violations.id"))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


# Report indexes (issue 7, migration 0003): active violations by state, ageing, trends.
Index("ix_violations_closed_status", Violation.closed_at, Violation.status)
Index("ix_violations_opened_at", Violation.opened_at)
Index("ix_violation_events_at", ViolationEvent.at)
Index("ix_sweeps_started_at", Sweep.started_at)
# Findings by hash (copies, suppressions, records exposed), with or without the detector (0007).
Index("ix_findings_hash_detector", Finding.value_hash, Finding.detector, Finding.file_id)
