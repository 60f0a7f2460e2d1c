"""The lifecycle of a violation in the store (issue 7), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from store_testkit import HOST, begin, decision, facts, finding

from store import Store
from store.copies import is_copy
from store.lifecycle import LifecycleError
from store.models import Violation, ViolationEvent
from store.register_views import ViolationFilter

ROSTER = [f"12345{i:05d}" for i in range(10)]


def scan(store: Store, path: str, values: list[str], decisions: list | None = None, *, sweep: int | None = None,
         roots: list[str] | None = None, **fact_changes: object) -> int:
    sweep = sweep or begin(store, roots or ["/share"])
    store.record_scan(sweep, facts(path, **fact_changes), [finding(v) for v in values],
                      [decision()] if decisions is None else decisions)
    return sweep


def only_violation(store: Store, path: str) -> dict:
    rows = [v for v in store.list_violations() if v["path"] == path]
    assert len(rows) == 1
    return rows[0]


def states_match_last_events(store: Store) -> None:
    with Session(store.engine) as session:
        for v in session.scalars(select(Violation)):
            last = session.scalars(select(ViolationEvent).where(ViolationEvent.violation_id == v.id)
                                   .order_by(ViolationEvent.id.desc()).limit(1)).one()
            assert last.to_status == v.status


def test_acknowledged_survives_a_sweep_that_still_sees_the_violation(db_store: Store) -> None:
    scan(db_store, "/share/a.csv", ROSTER)
    vid = only_violation(db_store, "/share/a.csv")["id"]
    due = datetime(2030, 1, 31, tzinfo=UTC)
    db_store.acknowledge(vid, "team", assignee="somu", due_at=due)
    scan(db_store, "/share/a.csv", ROSTER)  # rescan: still violates
    row = only_violation(db_store, "/share/a.csv")
    assert (row["state"], row["assignee"], row["due"]) == ("acknowledged", "somu", "2030-01-31")
    states_match_last_events(db_store)


def test_moves_are_checked(db_store: Store) -> None:
    scan(db_store, "/share/a.csv", ROSTER)
    vid = only_violation(db_store, "/share/a.csv")["id"]
    with pytest.raises(LifecycleError, match="method"):
        db_store.claim_remediation(vid, "me", method="shredded")
    with pytest.raises(LifecycleError, match="reason"):
        db_store.accept_risk(vid, "me", reason=" ")
    db_store.accept_risk(vid, "ciso", reason="archive under legal hold")
    with pytest.raises(LifecycleError, match="cannot move"):
        db_store.claim_remediation(vid, "me", method="deleted")
    db_store.acknowledge(vid, "team")  # revisiting an accepted risk is allowed
    assert only_violation(db_store, "/share/a.csv")["assignee"] == "team"
    states_match_last_events(db_store)


def test_claimed_and_still_violating_is_reopened(db_store: Store) -> None:
    scan(db_store, "/share/a.csv", ROSTER)
    vid = only_violation(db_store, "/share/a.csv")["id"]
    db_store.claim_remediation(vid, "owner", method="encrypted")
    sweep = scan(db_store, "/share/a.csv", ROSTER)
    outcome = db_store.settle_lifecycle(sweep)
    assert outcome.reopened == [vid]
    assert only_violation(db_store, "/share/a.csv")["state"] == "reopened"


def test_claimed_encryption_confirmed_by_a_scan_is_verified(db_store: Store) -> None:
    scan(db_store, "/share/a.csv", ROSTER)
    vid = only_violation(db_store, "/share/a.csv")["id"]
    db_store.claim_remediation(vid, "owner", method="encrypted")
    sweep = scan(db_store, "/share/a.csv", [], [], encrypted=True, outcome="encrypted")
    assert db_store.settle_lifecycle(sweep).verified == [vid]
    row = only_violation(db_store, "/share/a.csv")
    assert row["state"] == "verified" and row["close_reason"] == "verified: file is now encrypted"


def test_file_gone_unswept_scope_is_resolved_unverified_until_its_folder_is_swept(db_store: Store) -> None:
    scan(db_store, "/share/dept/a.csv", ROSTER)
    watch = begin(db_store, ["/share"], kind="watch")
    db_store.mark_deleted(watch, HOST, "/share/dept/a.csv")
    assert only_violation(db_store, "/share/dept/a.csv")["state"] == "resolved_unverified"
    listed = db_store.list_violations(ViolationFilter(states=("resolved_unverified",)))
    assert [v["path"] for v in listed] == ["/share/dept/a.csv"]
    narrow = begin(db_store, ["/share/dept/a.csv"])  # the file alone: not its folder
    db_store.settle_lifecycle(narrow)
    assert only_violation(db_store, "/share/dept/a.csv")["state"] == "resolved_unverified"
    wide = begin(db_store, ["/share/dept"])
    db_store.mark_missing(wide, HOST, ["/share/dept"], set())
    assert db_store.settle_lifecycle(wide).verified
    assert only_violation(db_store, "/share/dept/a.csv")["state"] == "verified"


def test_a_gone_file_is_not_verified_while_a_copy_on_another_host_violates(db_store: Store) -> None:
    scan(db_store, "/share/a.csv", ROSTER)
    other = db_store.begin_sweep(host="pc-0002", roots=["/home"], rules_version="r1", policy_versions={})
    db_store.record_scan(other, facts("/home/copy.xlsx", host="pc-0002", zone="local"),
                         [finding(v) for v in ROSTER[:7]], [decision("local-disk-forbidden")])
    vid = only_violation(db_store, "/share/a.csv")["id"]
    db_store.claim_remediation(vid, "owner", method="deleted")
    sweep = begin(db_store, ["/share"])
    db_store.mark_missing(sweep, HOST, ["/share"], set())
    assert db_store.settle_lifecycle(sweep).reopened == [vid]
    shown = db_store.show_violation(vid)
    assert shown is not None
    assert shown["copies"][0]["path"] == "/home/copy.xlsx" and shown["copies"][0]["shared_records"] == 7
    assert shown["events"][-1]["details"] == {"copies": ["pc-0002:/home/copy.xlsx"]}
    states_match_last_events(db_store)


def test_false_positive_by_value_suppresses_it_everywhere(db_store: Store) -> None:
    sample = ["9999000001"]
    scan(db_store, "/share/manual.docx", sample)
    scan(db_store, "/share/manual-copy.docx", sample)
    scan(db_store, "/share/roster.csv", [*sample, *ROSTER])
    vid = only_violation(db_store, "/share/manual.docx")["id"]
    marked = db_store.mark_false_positive(vid, "analyst", reason="sample number in a manual", scope="value",
                                          value="9999-****01")
    copy_id = only_violation(db_store, "/share/manual-copy.docx")["id"]
    assert marked == [vid, copy_id]  # the roster holds real records too: it stays open
    assert only_violation(db_store, "/share/roster.csv")["state"] == "open"
    assert len(db_store.suppressed_hashes()) == 1
    with pytest.raises(LifecycleError, match="no value"):
        db_store.mark_false_positive(only_violation(db_store, "/share/roster.csv")["id"], "a", reason="x",
                                     scope="value", value="0000-****00")


def test_filters_and_age(db_store: Store) -> None:
    scan(db_store, "/share/a/x.csv", ROSTER)
    scan(db_store, "/share/b/y.csv", ROSTER, [decision(severity="low")])
    with Session(db_store.engine) as session, session.begin():
        old = session.scalars(select(Violation).order_by(Violation.id)).first()
        assert old is not None
        old.opened_at = datetime.now(UTC) - timedelta(days=40)
    assert [v["path"] for v in db_store.list_violations(ViolationFilter(min_age_days=30))] == ["/share/a/x.csv"]
    assert [v["path"] for v in db_store.list_violations(ViolationFilter(severity="low"))] == ["/share/b/y.csv"]
    assert [v["path"] for v in db_store.list_violations(ViolationFilter(path_prefix="/share/b"))] == ["/share/b/y.csv"]
    assert db_store.list_violations(ViolationFilter(states=("verified",))) == []


@given(st.integers(0, 50), st.integers(1, 50), st.integers(1, 50))
def test_copy_links_are_symmetric_and_identity_links(shared: int, a: int, b: int) -> None:
    shared = min(shared, a, b)
    assert is_copy(shared, a, b) == is_copy(shared, b, a)
    assert is_copy(a, a, a)
    assert not is_copy(0, a, b)
    if shared * 2 < min(a, b):  # less than half of the smaller file shared: never a copy
        assert not is_copy(shared, a, b)


def test_unclaimed_fix_stays_closed(db_store: Store) -> None:
    scan(db_store, "/share/a.csv", ROSTER)
    sweep = scan(db_store, "/share/a.csv", [], [], encrypted=True, outcome="encrypted")
    outcome = db_store.settle_lifecycle(sweep)
    assert (outcome.verified, outcome.unverified) == ([], [])
    assert only_violation(db_store, "/share/a.csv")["state"] == "closed"
