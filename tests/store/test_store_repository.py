"""The repository calls the agent makes, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient
from store_testkit import HOST, begin, decision, dump, facts, finding

from store import Store
from store.models import File, Finding, Sweep, Violation, ViolationEvent

PASSWORD = "shared-requires-password"
ACCESS = "shared-requires-access-restriction"


def rows(store: Store, model: Any) -> list:
    with Session(store.engine) as session:
        return list(session.scalars(select(model).order_by(model.id)))


def events(store: Store, violation_id: int) -> list[tuple[str | None, str, str, int | None]]:
    query = select(ViolationEvent).where(ViolationEvent.violation_id == violation_id).order_by(ViolationEvent.id)
    with Session(store.engine) as session:
        return [(e.from_status, e.to_status, e.note, e.sweep_id) for e in session.scalars(query)]


def test_sweep_is_recorded_start_to_finish(db_store: Store) -> None:
    sweep = db_store.begin_sweep(host=HOST, roots=["/share"], rules_version="r7",
                                 policy_versions={PASSWORD: "2"}, kind="watch")
    db_store.finish_sweep(sweep, counts={"clean": 3, "findings": 1})
    [row] = rows(db_store, Sweep)
    assert (row.kind, row.roots, row.rules_version, row.policy_versions) == ("watch", ["/share"], "r7", {PASSWORD: "2"})
    assert row.counts_by_outcome == {"clean": 3, "findings": 1}
    assert row.finished_at is not None and row.finished_at >= row.started_at
    assert row.started_at.utcoffset() is not None  # aware UTC on both backends
    assert row.signature is None


def test_unknown_sweep_kind_is_refused(db_store: Store) -> None:
    with pytest.raises(ValueError, match="kind"):
        begin(db_store, kind="nightly")


def test_file_index_selects_present_files_under_the_folders(db_store: Store) -> None:
    sweep = begin(db_store)
    for path in ["/share/a.csv", "/share/sub/b.txt", "/shared/c.txt", "/other/d.txt", "/share"]:
        db_store.record_scan(sweep, replace(facts(path, inode=7), rules_version="r1"), [], [])
    db_store.record_scan(sweep, facts("/share/x.txt", host="other-host"), [], [])
    db_store.mark_deleted(sweep, HOST, "/share/sub/b.txt")
    index = db_store.file_index(HOST, ["/share/"])
    assert index == {"/share/a.csv": (100, 1_700_000_000_123_456_789, 7, "findings", "r1", ""),
                     "/share": (100, 1_700_000_000_123_456_789, 7, "findings", "r1", "")}
    assert set(db_store.file_index(HOST, ["/share", "/other"])) == {"/share/a.csv", "/share", "/other/d.txt"}
    assert db_store.file_index(HOST, []) == {}


def test_windows_paths_are_selected_by_folder(db_store: Store) -> None:
    sweep = begin(db_store, roots=["C:\\Users"])
    for path in ["C:\\Users\\a\\x.xlsx", "C:\\Users2\\y.xlsx"]:
        db_store.record_scan(sweep, facts(path), [], [])
    assert set(db_store.file_index(HOST, ["C:\\Users"])) == {"C:\\Users\\a\\x.xlsx"}


def test_unchanged_resweep_changes_no_row_but_last_seen(db_store: Store) -> None:
    first = begin(db_store)
    paths = [f"/share/f{i:04d}.csv" for i in range(600)]  # more than one IN chunk
    with db_store.batch():
        for path in paths:
            db_store.record_scan(first, facts(path), [finding("1234567890")], [decision()])
    db_store.finish_sweep(first, counts={"findings": len(paths)})
    before = dump(db_store, ignore=frozenset({"last_seen_sweep"}))

    second = begin(db_store)
    index = db_store.file_index(HOST, ["/share"])
    db_store.touch_unchanged(second, HOST, index)
    gone = db_store.mark_missing(second, HOST, ["/share"], set(index))
    after = dump(db_store, ignore=frozenset({"last_seen_sweep"}))

    assert gone.closed == []
    after["sweeps"] = [r for r in after["sweeps"] if r[0] != second]
    assert after == before
    with Session(db_store.engine) as session:
        assert set(session.scalars(select(File.last_seen_sweep))) == {second}


def test_repeated_record_scan_never_duplicates(db_store: Store) -> None:
    for _ in range(3):
        sweep = begin(db_store)
        same_value_twice = [finding("1234567890", 2, location="B2"), finding("1234567890", 3, location="B9")]
        out = db_store.record_scan(sweep, facts("/share/a.csv"), [*same_value_twice, finding("2222333333")],
                                   [decision(PASSWORD), decision(ACCESS)])
    assert len(rows(db_store, File)) == 1
    stored = {f.masked: f for f in rows(db_store, Finding)}
    assert len(stored) == 2
    strongest = stored["1234-****90"]
    assert (strongest.occurrences, strongest.confidence, strongest.location) == (2, 3, "B9")
    assert len(rows(db_store, Violation)) == 2
    assert out.opened == [] and sorted(out.kept) == [1, 2]


def test_finding_ids_survive_a_rescan_of_the_same_values(db_store: Store) -> None:
    sweep = begin(db_store)
    db_store.record_scan(sweep, facts("/share/a.csv"), [finding("1234567890"), finding("2222333333")], [])
    ids_before = {f.value_hash: f.id for f in rows(db_store, Finding)}
    db_store.record_scan(sweep, facts("/share/a.csv"), [finding("1234567890"), finding("5555666666")], [])
    ids_after = {f.value_hash: f.id for f in rows(db_store, Finding)}
    kept = set(ids_before) & set(ids_after)
    assert len(kept) == 1 and all(ids_before[h] == ids_after[h] for h in kept)
    assert len(ids_after) == 2


def test_violation_opens_once_is_kept_and_closes_when_dropped(db_store: Store) -> None:
    s1 = begin(db_store)
    opened = db_store.record_scan(s1, facts("/share/a.csv"), [finding("1234567890")], [decision(version="1")])
    [vid] = opened.opened
    s2 = begin(db_store)
    kept = db_store.record_scan(s2, facts("/share/a.csv"), [finding("1234567890")],
                                [decision(version="2", severity="medium", records=5)])
    assert kept.kept == [vid] and kept.opened == [] and kept.closed == []
    [v] = rows(db_store, Violation)
    assert (v.policy_version, v.last_policy_version, v.severity, v.evidence) == ("1", "2", "medium", {"records": 5})
    assert (v.opened_sweep, v.last_seen_sweep, v.status) == (s1, s2, "open")
    assert db_store.open_violation_count() == 1

    s3 = begin(db_store)
    closed = db_store.record_scan(s3, facts("/share/a.csv", outcome="encrypted", encrypted=True), [], [])
    assert closed.closed == [vid]
    [v] = rows(db_store, Violation)
    assert (v.status, v.closed_sweep, v.close_reason) == ("closed", s3, "no longer violates")
    assert db_store.open_violation_count() == 0
    assert events(db_store, vid) == [(None, "open", f"violates {PASSWORD} v1", s1),
                                     ("open", "closed", "no longer violates", s3)]

    s4 = begin(db_store)  # violates again: a new violation, the closed one stays closed
    again = db_store.record_scan(s4, facts("/share/a.csv"), [finding("1234567890")], [decision()])
    assert len(again.opened) == 1 and again.opened != [vid]
    assert [v.status for v in rows(db_store, Violation)] == ["closed", "open"]


def test_only_the_dropped_policy_closes(db_store: Store) -> None:
    sweep = begin(db_store)
    both = db_store.record_scan(sweep, facts("/share/a.csv"), [], [decision(PASSWORD), decision(ACCESS)])
    out = db_store.update_exposure(sweep, HOST, "/share/a.csv", {"readers": ["user:alice"]}, [decision(PASSWORD)])
    assert out.closed == [both.opened[1]] and out.kept == [both.opened[0]]
    assert db_store.open_violations_by_policy(HOST) == {PASSWORD: 1}


def test_update_exposure_changes_access_not_content(db_store: Store) -> None:
    sweep = begin(db_store)
    db_store.record_scan(sweep, facts("/share/a.csv"), [finding("1234567890")], [decision(PASSWORD)])
    exposure = {"owner": "user:alice", "readers": ["others"], "broad_principals": ["others"], "evidence": {}}
    out = db_store.update_exposure(sweep, HOST, "/share/a.csv", exposure, [decision(PASSWORD), decision(ACCESS)])
    assert len(out.opened) == 1 and len(out.kept) == 1
    [file] = rows(db_store, File)
    assert file.world_readable and file.exposure == exposure
    assert len(rows(db_store, Finding)) == 1
    with pytest.raises(KeyError):
        db_store.update_exposure(sweep, HOST, "/share/nope.csv", exposure, [])


def test_duplicate_decisions_for_one_policy_are_refused(db_store: Store) -> None:
    sweep = begin(db_store)
    with pytest.raises(ValueError, match="two decisions"):
        db_store.record_scan(sweep, facts("/share/a.csv"), [], [decision(), decision()])
    assert rows(db_store, File) == []  # the failed call left nothing behind


def test_missing_files_are_marked_gone_and_their_violations_closed(db_store: Store) -> None:
    s1 = begin(db_store)
    kept_v = db_store.record_scan(s1, facts("/share/keep.csv"), [], [decision()]).opened
    gone_v = db_store.record_scan(s1, facts("/share/sub/gone.csv"), [], [decision()]).opened
    outside = db_store.record_scan(s1, facts("/elsewhere/x.csv"), [], [decision()]).opened
    s2 = begin(db_store)
    out = db_store.mark_missing(s2, HOST, ["/share"], {"/share/keep.csv"})
    assert out.closed == gone_v
    by_path = {f.path: f for f in rows(db_store, File)}
    gone = by_path["/share/sub/gone.csv"]
    assert (gone.present, gone.deleted_sweep) == (False, s2) and gone.deleted_at is not None
    assert by_path["/share/keep.csv"].present and by_path["/elsewhere/x.csv"].present
    assert events(db_store, gone_v[0])[-1] == ("open", "closed", "file gone", s2)
    assert db_store.open_violation_count(HOST) == len(kept_v + outside) == 2
    assert "/share/sub/gone.csv" not in db_store.file_index(HOST, ["/share"])
    assert db_store.mark_missing(s2, HOST, ["/share"], {"/share/keep.csv"}).closed == []  # idempotent


def test_mark_deleted_then_reappearing_file(db_store: Store) -> None:
    s1 = begin(db_store)
    [vid] = db_store.record_scan(s1, facts("/share/a.csv"), [], [decision()]).opened
    out = db_store.mark_deleted(s1, HOST, "/share/a.csv")
    assert out.closed == [vid] and out.file_id is not None
    assert db_store.mark_deleted(s1, HOST, "/share/a.csv").closed == []  # already gone
    assert db_store.mark_deleted(s1, HOST, "/share/never.csv").closed == []
    s2 = begin(db_store)
    back = db_store.record_scan(s2, facts("/share/a.csv"), [], [decision()])
    [file] = rows(db_store, File)
    assert file.present and file.deleted_at is None and file.first_seen_sweep == s1
    assert back.file_id == out.file_id and len(back.opened) == 1


def test_batch_commits_together_and_survives_a_failing_call(db_store: Store) -> None:
    sweep = begin(db_store)
    with db_store.batch():
        db_store.record_scan(sweep, facts("/share/a.csv"), [], [decision()])
        with pytest.raises(ValueError):
            db_store.record_scan(sweep, facts("/share/bad.csv"), [], [decision(), decision()])
        db_store.record_scan(sweep, facts("/share/b.csv"), [], [])
        assert db_store.open_violation_count() == 1  # reads inside the batch see its writes
    assert sorted(f.path for f in rows(db_store, File)) == ["/share/a.csv", "/share/b.csv"]


def test_batch_rolls_back_on_error(db_store: Store) -> None:
    sweep = begin(db_store)
    with pytest.raises(RuntimeError), db_store.batch():
        db_store.record_scan(sweep, facts("/share/a.csv"), [], [decision()])
        raise RuntimeError("agent crashed")
    assert rows(db_store, File) == [] and db_store.open_violation_count() == 0


def test_at_most_one_active_violation_per_file_and_policy(db_store: Store) -> None:
    sweep = begin(db_store)
    [vid] = db_store.record_scan(sweep, facts("/share/a.csv"), [], [decision()]).opened
    with Session(db_store.engine) as session:
        twin = session.get(Violation, vid)
        assert twin is not None
        session.expunge(twin)
        make_transient(twin)
        twin.id = None  # type: ignore[assignment]
        session.add(twin)
        with pytest.raises(IntegrityError):
            session.commit()
    with Session(db_store.engine) as session:
        assert session.scalar(select(func.count(Violation.id))) == 1
