"""Alembic environment for the pii-agent register.

Run programmatically by store.migrate (no alembic.ini): the caller puts an open
connection in ``config.attributes["connection"]``. For development,
``store.migrate.alembic_config(url)`` gives a Config usable with alembic's commands.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from store.migrate import include_for
from store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
        compare_type=True,
        include_object=include_for(connection.dialect.name),  # SQLite-only indexes
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
run_migrations_online()
