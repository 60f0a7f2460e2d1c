"""The findings export: exact record shape, counts, thresholds and which files appear."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from store_testkit import HOST, begin, decision, facts, finding

from store import Store
from store.export import iso_mtime

RECORD_KEYS = ["path", "host", "zone", "outcome", "encrypted", "size", "mtime", "findings", "violations", "access"]


def by_path(store: Store, **options: object) -> dict[str, dict]:
    return {r["path"]: r for r in store.export_files(**options)}  # type: ignore[arg-type]


def test_record_has_exactly_the_contract_shape(db_store: Store) -> None:
    sweep = begin(db_store)
    exposure = {"owner": "user:bob", "readers": ["others", "user:bob"], "broad_principals": ["others"],
                "evidence": {"mode": "0644"}}
    [vid] = db_store.record_scan(
        sweep, facts("/share/roster.csv", size=2048, mtime_ns=1_714_555_800_250_000_000, exposure=exposure),
        [finding("1234567890", 3), finding("1234567891", 2), finding("1990-01-01", 3, detector="birth_date")],
        [decision(version="3", severity="high")],
    ).opened
    [record] = list(db_store.export_files())
    assert list(record) == RECORD_KEYS
    assert record == {
        "path": "/share/roster.csv",
        "host": HOST,
        "zone": "shared",
        "outcome": "findings",
        "encrypted": False,
        "size": 2048,
        "mtime": "2024-05-01T09:30:00.250000Z",
        "findings": [
            {"detector": "birth_date", "count": 1, "confidence": "high", "masked": ["1990-****01"]},
            {"detector": "pension_number", "count": 2, "confidence": "high",
             "masked": ["1234-****90", "1234-****91"]},
        ],
        "violations": [{"id": vid, "policy": "shared-requires-password", "policy_version": "3",
                        "severity": "high", "status": "open"}],
        "access": {"world_readable": True, "broad_principals": ["others"], "readers": ["others", "user:bob"]},
    }


def test_counts_and_confidence_follow_the_threshold(db_store: Store) -> None:
    sweep = begin(db_store)
    values = [finding(f"12345678{i:02d}", confidence=c) for i, c in enumerate([1, 1, 2, 2, 2, 3, 2])]
    db_store.record_scan(sweep, facts("/share/a.csv"), values, [])
    [medium] = by_path(db_store)["/share/a.csv"]["findings"]
    assert (medium["count"], medium["confidence"]) == (5, "high")
    assert medium["masked"] == ["1234-****05", "1234-****02", "1234-****03"]  # strongest first, up to 3
    [high] = by_path(db_store, min_confidence=3)["/share/a.csv"]["findings"]
    assert high["count"] == 1
    [everything] = by_path(db_store, include_all=True)["/share/a.csv"]["findings"]
    assert everything["count"] == 7


def test_which_files_appear(db_store: Store) -> None:
    sweep = begin(db_store)
    db_store.record_scan(sweep, facts("/share/clean.txt", outcome="clean"), [], [])
    db_store.record_scan(sweep, facts("/share/weak.txt"), [finding("0312345678", 1)], [])
    db_store.record_scan(sweep, facts("/share/locked.xlsx", outcome="encrypted", encrypted=True), [], [])
    db_store.record_scan(sweep, facts("/share/odd.bin", outcome="unsupported", reason="fifo"), [], [])
    db_store.record_scan(sweep, facts("/share/hit.csv"), [finding("1234567890", 2)], [])
    db_store.record_scan(sweep, facts("/pc/only-violation.txt", zone="local", outcome="clean"), [], [decision()])
    db_store.record_scan(sweep, facts("/share/deleted.csv"), [finding("1234567890", 3)], [decision()])
    db_store.mark_deleted(sweep, HOST, "/share/deleted.csv")

    assert list(by_path(db_store)) == ["/pc/only-violation.txt", "/share/hit.csv", "/share/locked.xlsx",
                                       "/share/odd.bin"]
    exported = by_path(db_store, include_all=True)
    assert set(exported) == {"/pc/only-violation.txt", "/share/hit.csv", "/share/locked.xlsx",
                             "/share/odd.bin", "/share/weak.txt"}
    assert exported["/share/locked.xlsx"]["encrypted"] is True
    assert exported["/share/weak.txt"]["findings"][0]["confidence"] == "low"


def test_closed_violations_only_with_include_all(db_store: Store) -> None:
    sweep = begin(db_store)
    db_store.record_scan(sweep, facts("/share/a.csv"), [finding("1234567890", 3)], [decision()])
    db_store.record_scan(sweep, facts("/share/a.csv", outcome="encrypted", encrypted=True), [], [])
    assert by_path(db_store)["/share/a.csv"]["violations"] == []
    [closed] = by_path(db_store, include_all=True)["/share/a.csv"]["violations"]
    assert closed["status"] == "closed"


def test_export_streams_past_one_partition(db_store: Store) -> None:
    sweep = begin(db_store)
    with db_store.batch():
        for i in range(620):
            db_store.record_scan(sweep, facts(f"/share/{i:04d}.csv", outcome="unreadable"), [], [])
    paths = [r["path"] for r in db_store.export_files()]
    assert paths == sorted(paths) and len(paths) == len(set(paths)) == 620


@given(st.integers(min_value=0, max_value=4_102_444_800 * 10**9))
def test_iso_mtime_is_utc_and_round_trips_to_the_microsecond(mtime_ns: int) -> None:
    from datetime import datetime

    text = iso_mtime(mtime_ns)
    assert text.endswith("Z")
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert round(parsed.timestamp() * 1_000_000) == mtime_ns // 1000
