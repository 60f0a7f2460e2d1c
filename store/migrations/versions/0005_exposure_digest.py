"""files.exposure_digest: the digest of the stored exposure, kept beside it, so an unchanged
re-sweep compares each file's fresh exposure without decoding every stored one (1.5 s per
30,000 files).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

Types are spelled out here (not imported from store.models). The digest is store.digests'
own, so backfilled rows and new rows can never disagree. Adding a nullable column needs no
table rebuild on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from store.digests import exposure_digest

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000
_FILES = sa.table("files", sa.column("id", sa.Integer()),
                  sa.column("exposure", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
                  sa.column("exposure_digest", sa.String(32)))


def upgrade() -> None:
    op.add_column("files", sa.Column("exposure_digest", sa.String(32), nullable=True))
    _backfill()


def downgrade() -> None:
    op.drop_column("files", "exposure_digest")  # SQLite >= 3.35 drops a column in place: no rebuild


def _backfill() -> None:
    """The digest of every existing row, by id ranges (a central register has millions)."""
    bind = op.get_bind()
    select_batch = (sa.select(_FILES.c.id, _FILES.c.exposure).where(_FILES.c.id > sa.bindparam("after"))
                    .order_by(_FILES.c.id).limit(_BATCH))
    update = (_FILES.update().where(_FILES.c.id == sa.bindparam("b_id"))
              .values(exposure_digest=sa.bindparam("b_digest")))
    after = 0
    while rows := bind.execute(select_batch, {"after": after}).all():
        bind.execute(update, [{"b_id": file_id, "b_digest": exposure_digest(exposure or {})}
                              for file_id, exposure in rows])
        after = rows[-1][0]
