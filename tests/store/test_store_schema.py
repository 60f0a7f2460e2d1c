"""Migrations, engine settings and column types of the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Engine, MetaData, Table, create_engine, insert, inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from store import Store, default_db_url
from store.engine import create_store_engine, sqlite_file
from store.migrate import current_revision, head_revision, include_for, stored_revisions
from store.models import Base, ViolationEvent
from store.types import UInt64
from tests.store.store_testkit import migrate_to

# The core tables of the first migration; later migrations add more.
TABLES = {"sweeps", "files", "findings", "violations", "violation_events", "alembic_version"}


def test_open_migrates_to_head(db_url: str) -> None:
    with Store.open(db_url) as store:
        assert set(inspect(store.engine).get_table_names()) >= TABLES
        assert set(Base.metadata.tables) <= set(inspect(store.engine).get_table_names())
        assert current_revision(store.engine) == head_revision()


def _migrated_by_alembic(url: str) -> Engine:
    """A blank database taken to head by running every migration (Store.open builds a blank
    one from the models instead)."""
    engine = create_store_engine(url)
    migrate_to(engine, "head")
    return engine


def test_models_match_the_migrations(db_url: str) -> None:
    engine = _migrated_by_alembic(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": include_for(conn.dialect.name)})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def _schema(engine: Engine) -> dict[str, object]:
    """Every table's columns (name, type, nullable, default; in any order: a migration adds
    columns at the end), indexes, unique and foreign keys."""
    found = inspect(engine)
    return {table: (
        sorted((c["name"], str(c["type"]), c["nullable"], str(c.get("default"))) for c in found.get_columns(table)),
        sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in found.get_indexes(table)),
        sorted((u["name"], tuple(u["column_names"])) for u in found.get_unique_constraints(table)),
        sorted((tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]),
                str(f.get("options"))) for f in found.get_foreign_keys(table)),
        found.get_pk_constraint(table)["constrained_columns"],
    ) for table in sorted(found.get_table_names())}


def test_a_new_register_built_from_the_models_is_the_migrated_one(db_url: str) -> None:
    with Store.open(db_url) as store:  # blank: built at head from the models, no Alembic
        built = _schema(store.engine)
        assert stored_revisions(store.engine) == [head_revision()]
        with store.engine.begin() as conn:  # blank again, then every migration in turn
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE alembic_version"))
    engine = _migrated_by_alembic(db_url)
    try:
        assert _schema(engine) == built
        assert stored_revisions(engine) == [head_revision()]
    finally:
        engine.dispose()


def test_reopening_keeps_data(db_url: str) -> None:
    with Store.open(db_url) as store:
        sweep = store.begin_sweep(host="h", roots=["/a"], rules_version="1", policy_versions={})
    with Store.open(db_url) as store:
        store.finish_sweep(sweep, counts={"clean": 1})  # the row survived the second open


def test_no_column_could_hold_raw_values() -> None:
    # Findings keep a hash and a masked form; nothing named like a raw value or excerpt exists.
    names = {c.name for t in Base.metadata.tables.values() for c in t.columns}
    assert not names & {"value", "raw", "excerpt", "text", "cell", "snippet", "context"}


def test_a_failed_statement_does_not_quote_its_parameters(db_url: str) -> None:
    # A write that fails (a full disk, a constraint) must not put a file's path or masked
    # values into the traceback a user pastes into a ticket.
    with Store.open(db_url) as store, store.engine.connect() as conn, pytest.raises(DBAPIError) as failed:
        conn.execute(text("INSERT INTO no_such_table (v) VALUES (:v)"), {"v": "/share/山田太郎/1234-567890.csv"})
    assert "1234-567890" not in str(failed.value) and "山田太郎" not in str(failed.value)
    assert "hidden" in str(failed.value)


def test_sqlite_file_is_private_and_in_wal_mode(sqlite_url: str) -> None:
    with Store.open(sqlite_url) as store:
        db_file = sqlite_file(sqlite_url)
        assert db_file is not None
        assert stat.S_IMODE(db_file.stat().st_mode) == 0o600
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        for sidecar in db_file.parent.glob(db_file.name + "-*"):  # -wal and -shm follow the file's mode
            assert stat.S_IMODE(sidecar.stat().st_mode) & 0o077 == 0


def test_existing_sqlite_file_mode_is_left_alone(tmp_path: Path) -> None:
    db_file = tmp_path / "mine.db"
    db_file.touch(mode=0o640)
    db_file.chmod(0o640)
    with Store.open(f"sqlite:///{db_file}"):
        pass
    assert stat.S_IMODE(db_file.stat().st_mode) == 0o640


def test_default_url_is_in_the_user_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("platformdirs.user_data_dir", lambda app: str(tmp_path / app))
    url = default_db_url()
    assert url == f"sqlite:///{tmp_path / 'pii-agent' / 'pii-agent.db'}"
    with Store.open() as store:  # no URL: the default
        assert (tmp_path / "pii-agent" / "pii-agent.db").exists()
        assert store.open_violation_count() == 0


def test_foreign_keys_are_enforced(db_store: Store) -> None:
    event = {"violation_id": 999, "at": datetime.now(UTC), "actor": "t", "to_status": "open", "note": ""}
    with pytest.raises(IntegrityError), db_store.engine.begin() as conn:
        conn.execute(insert(ViolationEvent).values(**event))


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_uint64_round_trips_through_a_bigint_column(value: int) -> None:
    engine = create_engine("sqlite://")
    table = Table("t", MetaData(), Column("v", UInt64))
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(table.insert().values(v=value))
        assert conn.execute(select(table.c.v).where(table.c.v == value)).scalar_one() == value
    engine.dispose()


def test_uint64_rejects_out_of_range() -> None:
    engine = create_engine("sqlite://")
    table = Table("t", MetaData(), Column("v", UInt64))
    table.create(engine)
    with pytest.raises(Exception, match="unsigned 64-bit"), engine.begin() as conn:
        conn.execute(table.insert().values(v=-1))
    engine.dispose()


def test_migrations_downgrade_to_base_and_back(db_url: str) -> None:
    from alembic import command

    from store.migrate import alembic_config

    with Store.open(db_url) as store:
        config = alembic_config()
        with store.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    with Store.open(db_url) as store:  # opening upgrades again
        assert current_revision(store.engine) == head_revision()
        assert set(inspect(store.engine).get_table_names()) >= TABLES


def test_migration_folders_are_packages_so_wheels_ship_them() -> None:
    # pyproject uses packages.find: a folder without __init__.py would be left out of the
    # wheel, and `pip install .` would then open stores without their migrations.
    import store

    migrations = Path(store.__file__).parent / "migrations"
    folders = {p.parent for p in migrations.rglob("*.py") if "__pycache__" not in p.parts}
    assert folders and all((folder / "__init__.py").exists() for folder in folders)
    assert (migrations / "script.py.mako").exists()
