"""The violation register (issue 7): lifecycle columns, event details, value-hash
suppressions (false positives) and the indexes the reports need.

Revision ID: 0003
Revises: 0002
Create Date: 2026-01-25

Types are spelled out here (not imported from store.models) so this revision keeps
creating the same schema whatever the models become later.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TIME = sa.DateTime(timezone=True)

_VIOLATION_COLUMNS = (
    ("assignee", sa.String(255)),
    ("due_at", UTC_TIME),
    ("claim_method", sa.String(32)),
    ("claimed_by", sa.String(255)),
    ("claimed_at", UTC_TIME),
)


def upgrade() -> None:
    with op.batch_alter_table("violations") as batch:
        for name, type_ in _VIOLATION_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table("violation_events") as batch:
        batch.add_column(sa.Column("details", JSON_DOC, nullable=True))
    op.create_table(
        "suppressions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("value_hash", sa.String(128), nullable=False),
        sa.Column("detector", sa.String(64), nullable=True),
        sa.Column("violation_id", sa.Integer(), sa.ForeignKey("violations.id"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
    )
    op.create_index("ix_suppressions_value_hash", "suppressions", ["value_hash"])
    # Reports: active violations by state, ageing and trends, events over time.
    op.create_index("ix_violations_closed_status", "violations", ["closed_at", "status"])
    op.create_index("ix_violations_opened_at", "violations", ["opened_at"])
    op.create_index("ix_violation_events_at", "violation_events", ["at"])
    op.create_index("ix_sweeps_started_at", "sweeps", ["started_at"])
    op.create_index("ix_findings_detector_hash", "findings", ["detector", "value_hash", "file_id"])


def downgrade() -> None:
    for name in ("ix_findings_detector_hash", "ix_sweeps_started_at", "ix_violation_events_at",
                 "ix_violations_opened_at", "ix_violations_closed_status"):
        op.drop_index(name)
    op.drop_table("suppressions")
    with op.batch_alter_table("violation_events") as batch:
        batch.drop_column("details")
    with op.batch_alter_table("violations") as batch:
        for name, _type in reversed(_VIOLATION_COLUMNS):
            batch.drop_column(name)
