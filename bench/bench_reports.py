"""Benchmark: every report query on a big register (issue 7's goal: under 2 s each).

Builds a SQLite register with 1,000,000 file rows, 100,000 violations (in every lifecycle
state, with events), their pension findings (shared records between copies) and 60 sweeps,
by bulk core inserts; then times each query of `pii-agent report` and `violations list`.

    python bench/bench_reports.py [--files N] [--violations N] [--db PATH] [--keep]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.report import build_report  # noqa: E402
from store import Store, reports  # noqa: E402
from store.models import File, Finding, Sweep, Violation, ViolationEvent
from store.register_views import ViolationFilter

NOW = datetime.now(UTC)
HOSTS = [f"fs{i:02d}" for i in range(4)] + [f"pc-{i:04d}" for i in range(16)]
STATES = ["open"] * 40 + ["acknowledged"] * 20 + ["remediation_claimed"] * 8 + ["reopened"] * 4 + \
         ["verified"] * 12 + ["closed"] * 10 + ["accepted_risk"] * 3 + ["false_positive"] * 3
BATCH = 50_000


def batched(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def sweeps(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        start = NOW - timedelta(days=n - i)
        yield {"id": i + 1, "host": HOSTS[i % len(HOSTS)], "kind": "sweep", "started_at": start,
               "finished_at": start + timedelta(minutes=40), "roots": ["/srv/share"], "rules_version": "r1",
               "policy_versions": {"shared-requires-password": "1"}, "counts_by_outcome": {"clean": 50_000},
               "coverage": {"problems_total": 3}, "signature": "hmac-sha256-v1:00"}


def files(n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    for i in range(n):
        host = HOSTS[i % len(HOSTS)]
        shared = host.startswith("fs")
        folder = f"/srv/share/dept{rng.randrange(300):03d}/{rng.choice(['名簿', 'archive', 'work'])}" if shared \
            else f"/home/user{i % 97}/Documents"
        yield {"id": i + 1, "host": host, "path": f"{folder}/file_{i}.csv", "zone": "shared" if shared else "local",
               "size": 1000, "mtime_ns": 1, "inode": i, "content_hash": None, "file_type": "csv",
               "outcome": "clean", "reason": "", "encrypted": False, "protection": "", "pension_records": 0,
               "exposure": {}, "world_readable": False, "first_seen_sweep": 1, "last_seen_sweep": 60,
               "last_scanned_sweep": 60, "last_scanned_at": NOW, "present": True, "deleted_at": None,
               "deleted_sweep": None}


def violation_rows(n: int, n_files: int, rng: random.Random) -> Iterator[tuple[dict, list[dict], list[dict]]]:
    for i in range(n):
        state = rng.choice(STATES)
        opened = NOW - timedelta(days=rng.randrange(180), seconds=rng.randrange(86_400))
        closed = opened + timedelta(days=rng.randrange(30)) if state in ("verified", "closed") else None
        # A prime stride spreads the violating files over hosts and folders.
        v = {"id": i + 1, "file_id": (i * 7919) % n_files + 1, "policy_id": rng.choice(["shared-requires-password",
             "shared-requires-access-restriction", "local-disk-forbidden"]), "policy_version": "1",
             "last_policy_version": "1", "severity": rng.choice(["high", "medium", "low"]), "status": state,
             "evidence": {}, "opened_sweep": 1, "last_seen_sweep": 60, "closed_sweep": 60 if closed else None,
             "opened_at": opened, "closed_at": closed, "close_reason": "verified: file gone" if closed else None,
             "assignee": "team" if state != "open" else None,
             "due_at": opened + timedelta(days=30) if state != "open" else None,
             "claim_method": None, "claimed_by": None, "claimed_at": None}
        events = [{"violation_id": i + 1, "at": opened, "actor": "pii-agent", "from_status": None,
                   "to_status": "open", "note": "", "sweep_id": 1, "details": None}]
        if state != "open":
            events.append({"violation_id": i + 1, "at": closed or opened + timedelta(days=1), "actor": "team",
                           "from_status": "open", "to_status": state, "note": "", "sweep_id": None, "details": None})
        base = rng.randrange(150_000)  # overlapping record ranges: copies share records
        finds = [{"file_id": v["file_id"], "detector": "pension_number", "value_hash": f"{(base + k) % 150_000:064x}",
                  "masked": "1234-****90", "confidence": 3, "score": 0.9, "location": "B2", "record_key": None,
                  "occurrences": 1} for k in range(rng.randrange(1, 6))]
        yield v, events, finds


def build(url: str, n_files: int, n_violations: int) -> None:
    rng = random.Random(7)
    with Store.open(url) as store, store.engine.begin() as conn:
        conn.execute(insert(Sweep), list(sweeps(60)))
        for batch in batched(files(n_files, rng)):
            conn.execute(insert(File), batch)
        vs, es, fs = [], [], []
        for v, events, finds in violation_rows(n_violations, n_files, rng):
            vs.append(v)
            es += events
            fs += finds
        for table, rows in ((Violation, vs), (ViolationEvent, es), (Finding, fs)):
            for start in range(0, len(rows), BATCH):
                conn.execute(insert(table), rows[start : start + BATCH])
        conn.exec_driver_sql("ANALYZE")


def timed(label: str, call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - started
    size = len(result) if hasattr(result, "__len__") else result
    print(f"{label:<34} {seconds:7.3f} s   ({size})", flush=True)
    return seconds


def run_queries(url: str) -> dict[str, float]:
    f = ViolationFilter()
    shared = ViolationFilter(zone="shared")
    times: dict[str, float] = {}
    with Store.open(url) as store, Session(store.engine) as s:
        for dim in ("severity", "policy", "zone", "host"):
            times[f"open_by_{dim}"] = timed(f"open by {dim}", partial(reports.open_by, s, dim, f, NOW))
        times["open_by_severity_zone_filter"] = timed("open by severity (zone=shared)",
                                                      lambda: reports.open_by(s, "severity", shared, NOW))
        times["by_state"] = timed("all by state", lambda: reports.by_state(s, f, NOW))
        times["top_folders"] = timed("top folders", lambda: reports.top_folders(s, f, NOW))
        times["ageing"] = timed("ageing", lambda: reports.ageing(s, f, NOW))
        times["timeline"] = timed("trend + progress (30 days)", lambda: reports.timeline(s, f, NOW, 30))
        times["records_exposed"] = timed("distinct records exposed", lambda: reports.records_exposed(s, f, NOW))
        times["recent_sweeps"] = timed("coverage of last sweeps", lambda: reports.recent_sweeps(s))
        times["whole_report"] = timed("whole report (build_report)", lambda: build_report(store))
        times["violations_list_open"] = timed("violations list --open --limit 1000", lambda: store.list_violations(
            ViolationFilter(states=("open", "acknowledged", "remediation_claimed", "reopened")), 1000))
        times["violations_list_path"] = timed("violations list --path dept042", lambda: store.list_violations(
            ViolationFilter(path_prefix="/srv/share/dept042")))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--violations", type=int, default=100_000)
    parser.add_argument("--db", help="SQLite file to build (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="Reuse --db if it exists (skip building).")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench_reports_"))
    db = Path(args.db) if args.db else workdir / "register.db"
    url = f"sqlite:///{db}"
    if not (args.keep and db.exists()):
        started = time.perf_counter()
        build(url, args.files, args.violations)
        print(f"built {args.files:,} files, {args.violations:,} violations in {time.perf_counter() - started:.1f} s "
              f"({db.stat().st_size / 1e6:.0f} MB)", flush=True)
    times = run_queries(url)
    per_query = {k: v for k, v in times.items() if k != "whole_report"}  # the goal is per query
    slowest = max(per_query, key=lambda k: per_query[k])
    verdict = "OK" if times[slowest] < 2.0 else "SLOW"
    print(f"{verdict}: slowest {slowest} {times[slowest]:.3f} s (goal < 2 s each)")


if __name__ == "__main__":
    main()
