"""Migration 0004: a register at 0003 with files gets path_hash backfilled, keeps its
findings and violations, and still refuses a second row for one (host, path)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, func, insert, select
from sqlalchemy.exc import IntegrityError
from store_testkit import HOST, decision, facts, migrate_to

from store import Store
from store.engine import create_store_engine
from store.migrate import alembic_config, current_revision
from store.migrations import HEAD_REVISION
from store.paths import path_hash

_BATCH = importlib.import_module("store.migrations.versions.0004_path_hash")._BATCH
NOW = datetime(2026, 1, 30, tzinfo=UTC)
# More rows than one backfill batch, so the second batch must pick up where the first ended.
PATHS = [f"/share/年金/名簿{i:05d}.csv" for i in range(_BATCH + 7)] + ["/share/" + "深い階層" * 150 + "/a.csv"]


@pytest.fixture
def engine_at_0003(db_url: str) -> Iterator[Engine]:
    engine = create_store_engine(db_url)
    migrate_to(engine, "0003")
    try:
        yield engine
    finally:
        engine.dispose()


def _fill_0003(engine: Engine) -> None:
    """Files, one finding and one open violation, written into the 0003 tables as they are."""
    meta = MetaData()
    meta.reflect(engine)
    sweeps, files, findings, violations = (meta.tables[n] for n in ("sweeps", "files", "findings", "violations"))
    with engine.begin() as conn:
        sweep = conn.scalar(insert(sweeps).values(host=HOST, kind="sweep", started_at=NOW, roots=["/share"],
                                                  rules_version="r1", policy_versions={}).returning(sweeps.c.id))
        file_row = dict(host=HOST, zone="shared", size=1, mtime_ns=1, inode=1, file_type="csv", outcome="findings",
                        reason="", encrypted=False, protection="", pension_records=1, exposure={},
                        world_readable=False, first_seen_sweep=sweep, last_seen_sweep=sweep,
                        last_scanned_sweep=sweep, last_scanned_at=NOW, present=True)
        conn.execute(insert(files), [{**file_row, "path": p} for p in PATHS])
        first = conn.scalar(select(files.c.id).where(files.c.path == PATHS[0]))
        conn.execute(insert(findings).values(file_id=first, detector="pension_number", value_hash="ab" * 32,
                                             masked="1234-****90", confidence=3, score=0.9, location="B2",
                                             occurrences=1))
        conn.execute(insert(violations).values(file_id=first, policy_id="shared-requires-password",
                                               policy_version="1", last_policy_version="1", severity="high",
                                               status="open", evidence={}, opened_sweep=sweep, last_seen_sweep=sweep,
                                               opened_at=NOW))


def test_upgrade_backfills_path_hash_and_keeps_the_register(db_url: str, engine_at_0003: Engine) -> None:
    _fill_0003(engine_at_0003)
    with Store.open(db_url) as store:
        assert current_revision(store.engine) == HEAD_REVISION
        meta = MetaData()
        meta.reflect(store.engine)
        files, findings, violations = (meta.tables[n] for n in ("files", "findings", "violations"))
        with store.engine.connect() as conn:
            stored = conn.execute(select(files.c.path, files.c.path_hash)).all()
            assert sorted(stored) == sorted((p, path_hash(p)) for p in PATHS)
            # The SQLite rebuild of files ran with foreign keys off: nothing cascaded away.
            assert conn.scalar(select(func.count()).select_from(findings)) == 1
            assert conn.scalar(select(func.count()).select_from(violations)) == 1

        found = store.stored_file(HOST, PATHS[0])
        assert found is not None and [f[0] for f in found.findings] == ["pension_number"]
        assert store.stored_file(HOST, PATHS[-1]) is not None
        sweep = store.begin_sweep(host=HOST, roots=["/share"], rules_version="r1", policy_versions={})
        kept = store.record_scan(sweep, facts(PATHS[0]), [], [decision()])  # the same row, found by hash
        assert kept.kept and not kept.opened

        with store.engine.connect() as conn:
            duplicate = dict(conn.execute(select(files).where(files.c.path == PATHS[-1])).mappings().one())
        del duplicate["id"]
        with pytest.raises(IntegrityError), store.engine.begin() as conn:
            conn.execute(insert(files).values(**duplicate))
        with store.engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(files)) == len(PATHS)


def test_sqlite_rebuild_with_foreign_keys_on_is_refused(sqlite_url: str) -> None:
    # A store engine has foreign keys on: rebuilding files then would delete its findings.
    engine = create_store_engine(sqlite_url)
    config = alembic_config()
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0003")
        _fill_0003(engine)
        with pytest.raises(RuntimeError, match="foreign keys off"), engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0004")
        assert current_revision(engine) == "0003"
    finally:
        engine.dispose()
