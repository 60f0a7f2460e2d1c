"""Folder selection: the SQL range condition agrees with the plain prefix rule."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, String, create_engine, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.paths import is_under, under_folders


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "p"
    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String)


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


# Paths built from separators, look-alike neighbours ('0' follows '/', ']' follows '\') and kana.
_segment = st.text(alphabet="ab/\\0]._-年金", min_size=0, max_size=6)


def test_prefix_rule_examples() -> None:
    assert is_under("/share/a", ["/share"]) and is_under("/share/a", ["/share/"])
    assert is_under("/share", ["/share/"]) and is_under("/x", ["/"])
    assert not is_under("/shared/a", ["/share"]) and not is_under("/share0", ["/share"])
    assert is_under("D:\\年金\\名簿.csv", ["D:\\年金"]) and not is_under("D:\\年金2\\a", ["D:\\年金"])


@settings(max_examples=150, deadline=None)
@given(paths=st.lists(_segment, min_size=1, max_size=12), prefixes=st.lists(_segment, max_size=3))
def test_sql_selection_equals_prefix_rule(engine: Engine, paths: list[str], prefixes: list[str]) -> None:
    with engine.begin() as conn:
        conn.execute(_Row.__table__.delete())  # type: ignore[attr-defined]
        conn.execute(insert(_Row), [{"path": p} for p in paths])
        selected = list(conn.scalars(select(_Row.path).where(under_folders(_Row.path, prefixes))))
    assert sorted(selected) == sorted(p for p in paths if is_under(p, prefixes))
