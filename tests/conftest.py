"""Shared fixtures.

``db_url``: a fresh, empty database for one test, once on SQLite and once on PostgreSQL.
PostgreSQL comes from env PII_AGENT_TEST_PG_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test); each test gets its own schema (set as
search_path through the URL), dropped afterwards, so parallel runs do not collide. When the
server is unreachable the PostgreSQL case is skipped, except under CI=true where it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from store import Store

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Caches the code keeps (the compiled prefilter) go to a folder of this run, not ~/.cache."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))


def _pg_base_url() -> str:
    return os.environ.get("PII_AGENT_TEST_PG_URL", DEFAULT_PG_URL)


def _libpq_dsn(url: str) -> str:
    """The same server as a plain libpq URL (psycopg.connect does not know '+psycopg')."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _connect_admin(url: str):  # -> psycopg.Connection
    import psycopg

    try:
        return psycopg.connect(_libpq_dsn(url), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        message = f"PostgreSQL not reachable at {make_url(url).render_as_string()}: {error}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema of its own."""
    base = _pg_base_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with _connect_admin(base) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with _connect_admin(base) as admin:
            admin.execute("SET lock_timeout = '10s'")
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'register' / 'pii-agent.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh empty database URL, on each backend in turn."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def db_store(db_url: str) -> Iterator[Store]:
    """An open Store on a fresh database (each backend in turn), closed afterwards."""
    opened = Store.open(db_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """In CI (CI=true) every server and tool a test needs is provided by .ci/run, so a
    skip means something is missing there: report it as a failure, never as a pass."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true (.ci/run must provide it): {report.longrepr}"
