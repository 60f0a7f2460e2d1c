"""Schema migrations, run in code: opening a store upgrades its database to head.

Alembic is imported only when there is something to migrate: reading the version table
is enough to see that a database is already at head (the common case, every open).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    inspect,
    text,
)

from .engine import writer
from .migrations import HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default name for it
# Any constant: serializes concurrent first opens of one PostgreSQL database.
_PG_MIGRATION_LOCK = 0x7069692D  # "pii-"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config built in code (no alembic.ini needed at runtime)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def include_for(dialect_name: str) -> Callable[..., bool]:
    """Alembic's include_object when comparing the models with a database of this dialect:
    leaves out what the models create only on other dialects (Index(...).ddl_if), a rule
    Alembic does not know."""

    def include(obj: Any, _name: str | None, _type: str, reflected: bool, _compare_to: Any) -> bool:
        rule = getattr(obj, "_ddl_if", None)
        if reflected or rule is None or rule.dialect is None:
            return True
        return dialect_name == rule.dialect if isinstance(rule.dialect, str) else dialect_name in rule.dialect

    return include


def head_revision() -> str:
    """The head of the migration scripts, as Alembic computes it (HEAD_REVISION must equal it)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's revision, as Alembic reads it (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def stored_revisions(engine: Engine) -> list[str]:
    """The rows of the version table, read without Alembic: [] for a database never migrated."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return []
        return list(conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it is already there.

    A database with no tables at all is built at head from the models in one step and
    stamped, as Alembic's cookbook does for a new database ("create_all, then stamp"): a
    first sweep or demo skips importing Alembic and running every migration (0.27 -> 0.02 s).
    tests/store/test_store_schema.py checks that both ways give the same schema."""
    if stored_revisions(engine) == [HEAD_REVISION]:
        return
    with writer(engine).connect() as conn, _sqlite_foreign_keys_off(conn), conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        if not inspect(conn).get_table_names():  # under the lock: no other opener built it meanwhile
            create_at_head(conn)
            return
        _alembic_upgrade(conn)


def create_at_head(conn: Connection) -> None:
    """The newest schema from the models, and the version table Alembic would have written."""
    from .models import Base

    Base.metadata.create_all(conn)
    version = Table(VERSION_TABLE, MetaData(), Column("version_num", String(32), nullable=False),
                    PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"))
    version.create(conn)
    conn.execute(version.insert().values(version_num=HEAD_REVISION))


def _alembic_upgrade(conn: Connection) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = conn
    command.upgrade(config, "head")
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"migration left rows with dangling foreign keys: {broken[:5]}")


@contextmanager
def _sqlite_foreign_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite rebuilds a table to change its constraints (copy, drop, rename); with foreign
    keys on, dropping files would delete its findings. SQLite's own recipe: keys off outside
    any transaction, then PRAGMA foreign_key_check before the commit."""
    if conn.dialect.name != "sqlite":
        yield
        return
    # The pragma is a no-op inside a transaction: set it on the driver's connection first.
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys = ON")
