"""Report queries (issue 7) on a small register with known numbers, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session
from store_testkit import begin, decision, facts, finding

from store import Store, reports
from store.models import Violation, ViolationEvent
from store.register_views import ViolationFilter

ROSTER = [f"22345{i:05d}" for i in range(8)]
NOW = datetime.now(UTC)


def build(store: Store) -> None:
    sweep = begin(store, ["/share", "/pc"])
    store.record_scan(sweep, facts("/share/dept1/a.csv"), [finding(v) for v in ROSTER], [decision(severity="high")])
    store.record_scan(sweep, facts("/share/dept1/b.csv"), [finding(v) for v in ROSTER[:6]],
                      [decision(severity="high")])
    store.record_scan(sweep, facts("/pc/c.csv", zone="local"), [finding("3334445556")],
                      [decision("local-disk-forbidden", severity="medium")])
    store.record_scan(sweep, facts("/share/dept2/d.csv"), [finding("4445556667")], [decision(severity="low")])
    store.finish_sweep(sweep, counts={"findings": 4})
    ids = {v["path"]: v["id"] for v in store.list_violations()}
    store.acknowledge(ids["/share/dept1/a.csv"], "team", due_at=NOW - timedelta(days=1))  # past due
    store.mark_false_positive(ids["/share/dept2/d.csv"], "analyst", reason="test data")
    with Session(store.engine) as session, session.begin():  # a.csv opened 100 days ago
        session.execute(update(Violation).where(Violation.id == ids["/share/dept1/a.csv"])
                        .values(opened_at=NOW - timedelta(days=100)))
        session.execute(update(ViolationEvent).where(ViolationEvent.violation_id == ids["/share/dept1/a.csv"],
                                                     ViolationEvent.from_status.is_(None))
                        .values(at=NOW - timedelta(days=100)))


def test_open_counts_folders_ageing_and_records(db_store: Store) -> None:
    build(db_store)
    f = ViolationFilter()
    with Session(db_store.engine) as s:
        assert reports.open_by(s, "severity", f, NOW) == {"high": 2, "medium": 1}
        assert reports.open_by(s, "zone", f, NOW) == {"shared": 2, "local": 1}
        assert reports.by_state(s, f, NOW) == {"acknowledged": 1, "false_positive": 1, "open": 2}
        assert reports.top_folders(s, f, NOW)[0] == {"host": "pc-0001", "folder": "/share/dept1", "open": 2}
        ageing = reports.ageing(s, f, NOW)
        assert ageing["buckets"] == {"0-7d": 2, "8-30d": 0, "31-90d": 0, ">90d": 1}
        assert (ageing["past_due"], ageing["oldest_days"]) == (1, 100)
        # 8 distinct records in two copies plus one on the PC; the false positive exposes nothing.
        assert reports.records_exposed(s, f, NOW) == {"distinct_records": 9, "files": 3}
        assert reports.records_exposed(s, ViolationFilter(zone="local"), NOW)["distinct_records"] == 1
        sweeps = reports.recent_sweeps(s)
        assert sweeps[0]["files"] == 4 and sweeps[0]["signed"] is False


def test_timeline_trend_and_progress(db_store: Store) -> None:
    build(db_store)
    with Session(db_store.engine) as s:
        line = reports.timeline(s, ViolationFilter(), NOW, days=10)
    trend = line["trend"]
    assert len(trend) == 10 and trend[-1] == {"day": NOW.date().isoformat(), "open": 3}
    assert trend[0]["open"] == 1  # only a.csv was open ten days ago
    today = line["progress"][NOW.date().isoformat()]
    assert today["acknowledged"] == 1 and today["false_positive"] == 1 and today["open"] == 3
