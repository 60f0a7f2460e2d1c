"""Opening a store checks the schema's revision without Alembic, and migrates with it only
when the database is behind."""

from __future__ import annotations

import subprocess
import sys

from alembic import command

from store import Store
from store.engine import create_store_engine
from store.migrate import alembic_config, current_revision, head_revision, stored_revisions
from store.migrations import HEAD_REVISION


def test_head_constant_is_alembics_head() -> None:
    # A new migration must bump HEAD_REVISION, or opening would never run it.
    assert head_revision() == HEAD_REVISION


def test_stored_revisions_agree_with_alembic(db_url: str) -> None:
    engine = create_store_engine(db_url)
    try:
        assert stored_revisions(engine) == [] and current_revision(engine) is None
        with Store.open(db_url):
            pass
        assert stored_revisions(engine) == [HEAD_REVISION] == [current_revision(engine)]
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0001")
        assert stored_revisions(engine) == ["0001"] == [current_revision(engine)]
    finally:
        engine.dispose()


def test_an_old_database_is_migrated_on_open(db_url: str) -> None:
    engine = create_store_engine(db_url)
    try:
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
        with Store.open(db_url) as store:
            assert current_revision(store.engine) == HEAD_REVISION
            store.open_violation_count()  # tables of the later migrations are there
    finally:
        engine.dispose()


def test_opening_a_database_at_head_does_not_import_alembic(sqlite_url: str) -> None:
    with Store.open(sqlite_url):
        pass
    code = ("import sys; from store import Store; Store.open(sys.argv[1]).close(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    out = subprocess.run([sys.executable, "-c", code, sqlite_url], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
