"""Policy changes: one row per `policy reapply`, with the versions before and after.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-20

Types are spelled out here (not imported from store.models) so this revision keeps
creating the same schema whatever the models become later.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "policy_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("host", sa.String(255), nullable=True),
        sa.Column("old_versions", JSON_DOC, nullable=False),
        sa.Column("new_versions", JSON_DOC, nullable=False),
        sa.Column("files_judged", sa.Integer(), nullable=False),
        sa.Column("opened_by_policy", JSON_DOC, nullable=False),
        sa.Column("closed_by_policy", JSON_DOC, nullable=False),
        sa.Column("opened_ids", JSON_DOC, nullable=False),
        sa.Column("closed_ids", JSON_DOC, nullable=False),
    )
    op.create_index("ix_policy_changes_at", "policy_changes", ["at"])


def downgrade() -> None:
    op.drop_table("policy_changes")
