"""Helpers for the store tests: fake-fact factories and a table dump. (A plain module, not a
conftest.py: conftest files in package-less test folders would collide by name.)"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, select

from store import FileFacts, FindingRow, Store, ViolationDecision
from store.paths import path_hash

HOST = "pc-0001"


def fake_hash(value: str) -> str:
    """Stands in for the agent's HMAC: the store only ever sees hex digests."""
    return hashlib.sha256(value.encode()).hexdigest()


def facts(path: str, **changes: Any) -> FileFacts:
    base: dict[str, Any] = dict(
        host=HOST, path=path, zone="shared", size=100, mtime_ns=1_700_000_000_123_456_789,
        inode=42, outcome="findings", exposure={"owner": "user:alice", "readers": ["user:alice"],
                                                "broad_principals": [], "evidence": {"mode": "0600"}},
    )
    base.update(changes)
    return FileFacts(**base)


def finding(value: str, confidence: int = 3, detector: str = "pension_number", location: str = "B2") -> FindingRow:
    masked = value[:4] + "-****" + value[-2:]
    return FindingRow(detector=detector, value_hash=fake_hash(value), masked=masked, confidence=confidence,
                      score={1: 0.3, 2: 0.6, 3: 0.9}[confidence], location=location, record="row 2")


def decision(policy: str = "shared-requires-password", version: str = "1", severity: str = "high",
             **evidence: Any) -> ViolationDecision:
    return ViolationDecision(policy_id=policy, policy_version=version, severity=severity,
                             evidence=evidence or {"records": 1})


def begin(store: Store, roots: list[str] | None = None, kind: str = "sweep") -> int:
    return store.begin_sweep(host=HOST, roots=roots or ["/share"], rules_version="r1",
                             policy_versions={"shared-requires-password": "1"}, kind=kind)


def dump(store: Store, *, ignore: frozenset[str] = frozenset()) -> dict[str, list[tuple]]:
    """Every row of every table (columns in ``ignore`` left out), for before/after comparisons."""
    meta = MetaData()
    meta.reflect(store.engine)
    out: dict[str, list[tuple]] = {}
    with store.engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            cols = [c for c in table.columns if c.name not in ignore]
            out[name] = [tuple(r) for r in conn.execute(select(*cols).order_by(*table.primary_key.columns))]
    return out


def migrate_to(engine: Any, revision: str, *, down: bool = False) -> None:
    """Run Alembic on ``engine`` up (or down) to ``revision``: a register as an older release left it."""
    from alembic import command

    from store.migrate import alembic_config

    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)


def raw_file_row(path: str, sweep: int, **columns: Any) -> dict[str, Any]:
    """A files row written below the models, as an older schema held it (migration tests)."""
    row: dict[str, Any] = dict(
        host=HOST, path=path, path_hash=path_hash(path), zone="shared", size=1, mtime_ns=1, inode=1,
        file_type="csv", outcome="clean", reason="", encrypted=False, protection="", pension_records=0,
        exposure={}, world_readable=False, first_seen_sweep=sweep, last_seen_sweep=sweep,
        last_scanned_sweep=sweep, last_scanned_at=datetime(2026, 11, 27, tzinfo=UTC), present=True)
    row.update(columns)
    return row
