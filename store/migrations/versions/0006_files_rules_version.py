"""files.rules_version: the detector rules a file's content was last read under, so a sweep
with other rules re-reads an unchanged file instead of keeping what older rules made of it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

Existing rows take the rules version of the sweep that last read them (files.last_scanned_sweep);
a verify sweep recorded "-", which matches no rules, so such files are read again once. Adding a
nullable column needs no table rebuild on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("files", sa.Column("rules_version", sa.String(128), nullable=True))
    files = sa.table("files", sa.column("rules_version", sa.String(128)), sa.column("last_scanned_sweep", sa.Integer()))
    sweeps = sa.table("sweeps", sa.column("id", sa.Integer()), sa.column("rules_version", sa.String(128)))
    op.execute(files.update().values(rules_version=sa.select(sweeps.c.rules_version)
                                     .where(sweeps.c.id == files.c.last_scanned_sweep).scalar_subquery()))


def downgrade() -> None:
    op.drop_column("files", "rules_version")  # SQLite >= 3.35 drops a column in place: no rebuild
