"""Migration 0005: every file of a register at 0004 gets its exposure digest, over more than
one batch; a re-sweep then reads digests, and a row without one is still compared right."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, MetaData, insert, select, update
from store_testkit import HOST, migrate_to, raw_file_row

from store import Store
from store.digests import exposure_digest
from store.engine import create_store_engine

_BATCH = importlib.import_module("store.migrations.versions.0005_exposure_digest")._BATCH
NOW = datetime(2026, 11, 27, tzinfo=UTC)


def _exposure(i: int) -> dict:
    return {"owner": f"user:u{i % 3}", "readers": ["others"] if i % 2 else [], "world_readable": bool(i % 2),
            "broad_principals": ["others"] if i % 2 else [], "evidence": {"mode": "-rw-r--r--", "traversal": []}}


@pytest.fixture
def engine_at_0004(db_url: str) -> Iterator[Engine]:
    engine = create_store_engine(db_url)
    migrate_to(engine, "0004")
    meta = MetaData()
    meta.reflect(engine)
    sweeps, files = meta.tables["sweeps"], meta.tables["files"]
    with engine.begin() as conn:
        sweep = conn.scalar(insert(sweeps).values(host=HOST, kind="sweep", started_at=NOW, roots=["/share"],
                                                  rules_version="r1", policy_versions={}).returning(sweeps.c.id))
        conn.execute(insert(files), [raw_file_row(f"/share/f{i:05d}.csv", sweep, inode=i, exposure=_exposure(i),
                                                  world_readable=bool(i % 2)) for i in range(_BATCH + 3)])
    try:
        yield engine
    finally:
        engine.dispose()


def test_upgrade_backfills_every_digest_and_reads_them(db_url: str, engine_at_0004: Engine) -> None:
    with Store.open(db_url) as store:  # opening migrates to head
        meta = MetaData()
        meta.reflect(store.engine)
        files = meta.tables["files"]
        with store.engine.connect() as conn:
            rows = conn.execute(select(files.c.inode, files.c.exposure_digest)).all()
        assert len(rows) == _BATCH + 3
        assert all(digest == exposure_digest(_exposure(inode)) for inode, digest in rows)
        digests = store.exposure_digests(HOST, ["/share"])
        assert digests["/share/f00004.csv"] == exposure_digest(_exposure(4))

        with store.engine.begin() as conn:  # a row some other writer left without one
            conn.execute(update(files).where(files.c.inode == 7).values(exposure_digest=None))
        assert store.exposure_digests(HOST, ["/share"]) == digests


def test_downgrade_drops_the_column_and_keeps_the_files(db_url: str, engine_at_0004: Engine) -> None:
    with Store.open(db_url):
        pass
    migrate_to(engine_at_0004, "0004", down=True)
    meta = MetaData()
    meta.reflect(engine_at_0004)
    assert "exposure_digest" not in meta.tables["files"].c
    with engine_at_0004.connect() as conn:
        assert len(conn.execute(select(meta.tables["files"].c.id)).all()) == _BATCH + 3
