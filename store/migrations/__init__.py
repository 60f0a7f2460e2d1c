"""Alembic migration scripts of the register (run by store.migrate)."""

# The newest revision in versions/: bump it with every new migration. Opening a store
# compares it with the database's revision and imports Alembic only when they differ;
# tests/store/test_store_migrate.py checks that it is Alembic's own head.
HEAD_REVISION = "0007"
