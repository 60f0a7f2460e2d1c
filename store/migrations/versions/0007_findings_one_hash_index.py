"""findings: one index led by value_hash instead of two (value_hash; detector, value_hash, file_id).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27

Every query that looked findings up by hash (copies of a file's records, suppressed values,
records exposed) names the hash, and most the detector too: (value_hash, detector, file_id)
serves them all, and lookups by file go through the unique (file_id, detector, value_hash).
A first sweep writes every value of every roster; one index fewer makes those inserts about
40% cheaper (97,000 findings in SQLite: 2.4-2.9 s -> 1.2-1.6 s, bench/bench_sweep.py's data).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_findings_hash_detector", "findings", ["value_hash", "detector", "file_id"])
    op.drop_index("ix_findings_detector_hash", table_name="findings")
    op.drop_index("ix_findings_value_hash", table_name="findings")


def downgrade() -> None:
    op.create_index("ix_findings_value_hash", "findings", ["value_hash"])
    op.create_index("ix_findings_detector_hash", "findings", ["detector", "value_hash", "file_id"])
    op.drop_index("ix_findings_hash_detector", table_name="findings")
