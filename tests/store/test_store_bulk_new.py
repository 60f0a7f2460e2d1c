"""record_new_clean: a first sweep's clean files in one statement, same rows as record_scan."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from store_testkit import HOST, begin, decision, facts, finding

from store import Store
from store.models import File, Violation


def _files(store: Store) -> dict[str, File]:
    with Session(store.engine) as session:
        return {f.path: f for f in session.scalars(select(File))}


def test_bulk_rows_equal_record_scan_rows(db_store: Store) -> None:
    sweep = begin(db_store)
    db_store.record_scan(sweep, facts("/share/one.txt", outcome="clean"), [], [])
    db_store.record_new_clean(sweep, [facts("/share/two.txt", outcome="clean")])
    one, two = _files(db_store)["/share/one.txt"], _files(db_store)["/share/two.txt"]
    skip = {"id", "path", "last_scanned_at"}
    cols = [c.name for c in File.__table__.columns if c.name not in skip]
    assert [getattr(one, c) for c in cols] == [getattr(two, c) for c in cols]
    assert db_store.file_index(HOST, ["/share"])["/share/two.txt"][3] == "clean"


def test_an_existing_path_is_updated_not_duplicated(db_store: Store) -> None:
    first = begin(db_store)
    db_store.record_scan(first, facts("/share/a.csv"), [finding("1234567890")], [decision()])
    second = begin(db_store)
    outcome = db_store.record_new_clean(second, [facts("/share/a.csv", outcome="clean", size=5),
                                                 facts("/share/b.csv", outcome="clean")])
    files = _files(db_store)
    assert set(files) == {"/share/a.csv", "/share/b.csv"}
    assert (files["/share/a.csv"].outcome, files["/share/a.csv"].size) == ("clean", 5)
    assert len(outcome.closed) == 1  # the old file's violation closed: it no longer violates
    with Session(db_store.engine) as session:
        assert session.scalar(select(func.count()).select_from(File)) == 2
        assert session.scalar(select(func.count()).select_from(Violation).where(Violation.closed_at.is_(None))) == 0
