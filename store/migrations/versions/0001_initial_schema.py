"""Initial schema: sweeps, files, findings, violations, violation_events.

Revision ID: 0001
Revises:
Create Date: 2026-01-15

Types are spelled out here (not imported from store.models) so this revision keeps
creating the same schema whatever the models become later.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
PATH_TEXT = sa.String().with_variant(sa.String(collation="C"), "postgresql")
UTC_TIME = sa.DateTime(timezone=True)
ACTIVE = sa.text("closed_at IS NULL")


def _sweep_fk(column: str, nullable: bool) -> sa.Column:
    return sa.Column(column, sa.Integer(), sa.ForeignKey("sweeps.id"), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "sweeps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("finished_at", UTC_TIME, nullable=True),
        sa.Column("roots", JSON_DOC, nullable=False),
        sa.Column("rules_version", sa.String(128), nullable=False),
        sa.Column("policy_versions", JSON_DOC, nullable=False),
        sa.Column("counts_by_outcome", JSON_DOC, nullable=True),
        sa.Column("coverage", JSON_DOC, nullable=True),
        sa.Column("signature", sa.Text(), nullable=True),
    )
    op.create_table(
        "files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("path", PATH_TEXT, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("inode", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(128), nullable=True),
        sa.Column("file_type", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("encrypted", sa.Boolean(), nullable=False),
        sa.Column("protection", sa.String(64), nullable=False),
        sa.Column("pension_records", sa.Integer(), nullable=False),
        sa.Column("exposure", JSON_DOC, nullable=False),
        sa.Column("world_readable", sa.Boolean(), nullable=False),
        _sweep_fk("first_seen_sweep", nullable=False),
        _sweep_fk("last_seen_sweep", nullable=False),
        _sweep_fk("last_scanned_sweep", nullable=False),
        sa.Column("last_scanned_at", UTC_TIME, nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", UTC_TIME, nullable=True),
        _sweep_fk("deleted_sweep", nullable=True),
        sa.UniqueConstraint("host", "path", name="uq_files_host_path"),
    )
    op.create_index("ix_files_last_seen_sweep", "files", ["last_seen_sweep"])
    op.create_index("ix_files_present_outcome", "files", ["present", "outcome"])
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("file_id", sa.Integer(), sa.ForeignKey("files.id", ondelete="CASCADE"), nullable=False),
        sa.Column("detector", sa.String(64), nullable=False),
        sa.Column("value_hash", sa.String(128), nullable=False),
        sa.Column("masked", sa.String(128), nullable=False),
        sa.Column("confidence", sa.SmallInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("record_key", sa.Text(), nullable=True),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.UniqueConstraint("file_id", "detector", "value_hash", name="uq_findings_file_value"),
    )
    op.create_index("ix_findings_value_hash", "findings", ["value_hash"])
    op.create_table(
        "violations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("file_id", sa.Integer(), sa.ForeignKey("files.id"), nullable=False),
        sa.Column("policy_id", sa.String(128), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("last_policy_version", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("evidence", JSON_DOC, nullable=False),
        _sweep_fk("opened_sweep", nullable=True),
        _sweep_fk("last_seen_sweep", nullable=True),
        _sweep_fk("closed_sweep", nullable=True),
        sa.Column("opened_at", UTC_TIME, nullable=False),
        sa.Column("closed_at", UTC_TIME, nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_violations_file_policy", "violations", ["file_id", "policy_id"])
    op.create_index("ix_violations_policy_status", "violations", ["policy_id", "status"])
    op.create_index(
        "uq_violations_active",
        "violations",
        ["file_id", "policy_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_table(
        "violation_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("violation_id", sa.Integer(), sa.ForeignKey("violations.id"), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("from_status", sa.String(32), nullable=True),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _sweep_fk("sweep_id", nullable=True),
    )
    op.create_index("ix_violation_events_violation_at", "violation_events", ["violation_id", "at"])


def downgrade() -> None:
    for table in ("violation_events", "violations", "findings", "files", "sweeps"):
        op.drop_table(table)
