"""Files are unique by (host, path_hash), the SHA-256 of the path, instead of (host, path):
a PostgreSQL btree entry holds at most ~2.7 KB, and a deep Japanese path is longer.
SQLite keeps a plain (host, path) index for folder ranges.

Revision ID: 0004
Revises: 0003
Create Date: 2026-02-02

Types are spelled out here (not imported from store.models) so this revision keeps
creating the same schema whatever the models become later. The digest is store.paths'
own, so backfilled rows and new rows can never disagree.

On SQLite the files table is rebuilt (batch mode: copy, drop, rename), which must run with
foreign keys off or dropping it would delete every finding (ON DELETE CASCADE);
store.migrate.upgrade_to_head turns them off around the migration.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.paths import path_hash

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000
_FILES = sa.table("files", sa.column("id", sa.Integer()), sa.column("path", sa.String()),
                  sa.column("path_hash", sa.LargeBinary(32)))


def upgrade() -> None:
    _refuse_rebuild_with_foreign_keys_on()
    with op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column("path_hash", sa.LargeBinary(32), nullable=True))
    _backfill()
    with op.batch_alter_table("files") as batch:
        batch.alter_column("path_hash", existing_type=sa.LargeBinary(32), nullable=False)
        batch.drop_constraint("uq_files_host_path", type_="unique")
        batch.create_unique_constraint("uq_files_host_path_hash", ["host", "path_hash"])
    if _sqlite():  # folder ranges; PostgreSQL could not index long paths
        op.create_index("ix_files_host_path", "files", ["host", "path"])


def downgrade() -> None:
    # On PostgreSQL this fails if a path too long for (host, path) was recorded meanwhile.
    _refuse_rebuild_with_foreign_keys_on()
    if _sqlite():
        op.drop_index("ix_files_host_path", "files")
    with op.batch_alter_table("files") as batch:
        batch.drop_constraint("uq_files_host_path_hash", type_="unique")
        batch.create_unique_constraint("uq_files_host_path", ["host", "path"])
        batch.drop_column("path_hash")


def _backfill() -> None:
    """path_hash of the existing rows, by id ranges (a central register has millions)."""
    bind = op.get_bind()
    select_batch = (sa.select(_FILES.c.id, _FILES.c.path).where(_FILES.c.id > sa.bindparam("after"))
                    .order_by(_FILES.c.id).limit(_BATCH))
    update = (_FILES.update().where(_FILES.c.id == sa.bindparam("b_id"))
              .values(path_hash=sa.bindparam("b_hash")))
    after = 0
    while rows := bind.execute(select_batch, {"after": after}).all():
        bind.execute(update, [{"b_id": file_id, "b_hash": path_hash(path)} for file_id, path in rows])
        after = rows[-1][0]


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _refuse_rebuild_with_foreign_keys_on() -> None:
    """Rebuilding files with SQLite's foreign keys on would cascade-delete its findings (or
    fail on its violations): stop before touching anything unless the table is empty."""
    bind = op.get_bind()
    if not _sqlite() or not bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        return
    if bind.execute(sa.select(_FILES.c.id).limit(1)).first() is not None:
        raise RuntimeError("migration 0004 rebuilds the files table: run it with SQLite foreign keys off "
                           "(store.migrate.upgrade_to_head does)")
