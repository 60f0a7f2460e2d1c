"""record_new: a first sweep's files in a few statements, the same rows as record_scan."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from store_testkit import HOST, begin, decision, facts, finding

from store import Store
from store.models import File, Finding, Violation
from store.paths import path_hash
from store.records import FileFacts, FindingRow, NewScan, ViolationDecision


def clean(f: FileFacts, findings: list[FindingRow] | None = None,
          decisions: list[ViolationDecision] | None = None) -> NewScan:
    return NewScan(f, findings or [], decisions or [])


def _files(store: Store) -> dict[str, File]:
    with Session(store.engine) as session:
        return {f.path: f for f in session.scalars(select(File))}


def test_bulk_rows_equal_record_scan_rows(db_store: Store) -> None:
    sweep = begin(db_store)
    db_store.record_scan(sweep, facts("/share/one.txt", outcome="clean"), [], [])
    db_store.record_new(sweep, [clean(facts("/share/two.txt", outcome="clean"))])
    one, two = _files(db_store)["/share/one.txt"], _files(db_store)["/share/two.txt"]
    skip = {"id", "path", "path_hash", "last_scanned_at"}
    cols = [c.name for c in File.__table__.columns if c.name not in skip]
    assert [getattr(one, c) for c in cols] == [getattr(two, c) for c in cols]
    assert (one.path_hash, two.path_hash) == (path_hash("/share/one.txt"), path_hash("/share/two.txt"))
    assert db_store.file_index(HOST, ["/share"])["/share/two.txt"][3] == "clean"


def test_an_existing_path_is_updated_not_duplicated(db_store: Store) -> None:
    first = begin(db_store)
    db_store.record_scan(first, facts("/share/a.csv"), [finding("1234567890")], [decision()])
    second = begin(db_store)
    changed = db_store.record_new(second, [clean(facts("/share/a.csv", outcome="clean", size=5)),
                                           clean(facts("/share/b.csv", outcome="clean"))])
    files = _files(db_store)
    assert set(files) == {"/share/a.csv", "/share/b.csv"}
    assert (files["/share/a.csv"].outcome, files["/share/a.csv"].size) == ("clean", 5)
    assert [(path, len(o.closed)) for path, o in changed] == [("/share/a.csv", 1)]  # no longer violates
    with Session(db_store.engine) as session:
        assert session.scalar(select(func.count()).select_from(File)) == 2
        assert session.scalar(select(func.count()).select_from(Violation).where(Violation.closed_at.is_(None))) == 0


def _stored(store: Store, path: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """A file's findings and active violations, without ids (comparable across files)."""
    with Session(store.engine) as session:
        file_id = session.scalar(select(File.id).where(File.path == path))
        found = session.execute(select(Finding.detector, Finding.value_hash, Finding.masked, Finding.confidence,
                                       Finding.score, Finding.location, Finding.record_key, Finding.occurrences)
                                .where(Finding.file_id == file_id).order_by(Finding.value_hash)).all()
        active = session.execute(select(Violation.policy_id, Violation.policy_version, Violation.severity,
                                        Violation.status).where(Violation.file_id == file_id,
                                                                Violation.closed_at.is_(None))).all()
    return [tuple(r) for r in found], [tuple(r) for r in active]


def test_new_files_with_findings_and_violations_equal_record_scan(db_store: Store) -> None:
    sweep = begin(db_store)
    rows = [finding("1234567890"), finding("2345678901"), finding("1234567890")]  # one value twice
    one = db_store.record_scan(sweep, facts("/share/one.csv"), rows, [decision()])
    changed = db_store.record_new(sweep, [clean(facts("/share/two.csv"), rows, [decision()]),
                                          clean(facts("/share/three.csv", outcome="clean"))])
    assert [(path, len(o.opened)) for path, o in changed] == [("/share/two.csv", 1)]
    assert len(one.opened) == 1
    found_one, active_one = _stored(db_store, "/share/one.csv")
    found_two, active_two = _stored(db_store, "/share/two.csv")
    assert found_one == found_two and len(found_two) == 2
    assert sorted(r[7] for r in found_two) == [1, 2]  # the repeated value counted, not duplicated
    assert active_one == active_two and len(active_two) == 1
    assert _stored(db_store, "/share/three.csv") == ([], [])


def test_rows_already_merged_by_the_engine_add_their_occurrences(db_store: Store) -> None:
    sweep = begin(db_store)
    seen_thrice = finding("1234567890")._replace(occurrences=3)
    rows = [seen_thrice, finding("1234567890"), finding("2345678901")]
    db_store.record_scan(sweep, facts("/share/one.csv"), rows, [decision()])
    db_store.record_new(sweep, [clean(facts("/share/two.csv"), rows, [decision()])])
    for path in ("/share/one.csv", "/share/two.csv"):
        found, _ = _stored(db_store, path)
        assert sorted(r[7] for r in found) == [1, 4], path


def test_a_finding_row_is_the_findings_table_after_file_id() -> None:
    # new_finding_values inserts (file_id, *row): the tuple's order is the table's
    from store.facts import _FINDING_COLUMNS

    names = ["record_key" if name == "record" else name for name in FindingRow._fields]
    assert ("file_id", *names) == _FINDING_COLUMNS
    assert [c.name for c in Finding.__table__.columns if c.name != "id"] == list(_FINDING_COLUMNS)
