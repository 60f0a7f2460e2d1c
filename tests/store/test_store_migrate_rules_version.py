"""Migration 0006: each file of a register at 0005 takes the rules version of the sweep that
last read it, so an upgrade re-reads only what other rules read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, MetaData, insert, select
from store_testkit import HOST, migrate_to, raw_file_row

from store import Store
from store.engine import create_store_engine

NOW = datetime(2026, 11, 27, tzinfo=UTC)


@pytest.fixture
def engine_at_0005(db_url: str) -> Iterator[Engine]:
    engine = create_store_engine(db_url)
    migrate_to(engine, "0005")
    meta = MetaData()
    meta.reflect(engine)
    sweeps, files = meta.tables["sweeps"], meta.tables["files"]
    with engine.begin() as conn:
        ids = [conn.scalar(insert(sweeps).values(host=HOST, kind=kind, started_at=NOW, roots=["/share"],
                                                 rules_version=rules, policy_versions={}).returning(sweeps.c.id))
               for kind, rules in (("sweep", "r1"), ("sweep", "r2"), ("verify", "-"))]
        conn.execute(insert(files), [raw_file_row(f"/share/f{i}.csv", ids[0], inode=i, last_seen_sweep=ids[2],
                                                  last_scanned_sweep=ids[i % 3]) for i in range(6)])
    try:
        yield engine
    finally:
        engine.dispose()


def test_upgrade_takes_the_rules_of_the_sweep_that_last_read_each_file(db_url: str, engine_at_0005: Engine) -> None:
    with Store.open(db_url) as store:  # opening migrates to head
        index = store.file_index(HOST, ["/share"])
    assert {path: entry[4] for path, entry in index.items()} == {
        f"/share/f{i}.csv": ("r1", "r2", "-")[i % 3] for i in range(6)}


def test_downgrade_drops_the_column_and_keeps_the_files(db_url: str, engine_at_0005: Engine) -> None:
    with Store.open(db_url):
        pass
    migrate_to(engine_at_0005, "0005", down=True)
    meta = MetaData()
    meta.reflect(engine_at_0005)
    assert "rules_version" not in meta.tables["files"].c
    with engine_at_0005.connect() as conn:
        assert len(conn.execute(select(meta.tables["files"].c.id)).all()) == 6
