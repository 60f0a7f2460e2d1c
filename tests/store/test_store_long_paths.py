"""Paths longer than a PostgreSQL btree entry (~2.7 KB): a deep share of Japanese folder
names, 3 bytes a character. They are recorded, found again and closed like any other."""

from __future__ import annotations

import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from store_testkit import HOST, begin, decision, facts, finding

from store import Store
from store.models import File
from store.records import NewScan

CJK = [chr(c) for c in range(0x4E00, 0x4E00 + 2000)]


def long_path(seed: int, nbytes: int = 3600) -> str:
    rng = random.Random(seed)
    path = "/share"
    while len(path.encode()) < nbytes:
        path += "/" + "".join(rng.choice(CJK) for _ in range(60))
    return path + "/名簿.csv"


def _last_seen(store: Store) -> dict[str, int]:
    with Session(store.engine) as session:
        return {path: seen for path, seen in session.execute(select(File.path, File.last_seen_sweep))}


def test_long_paths_are_recorded_found_again_and_closed(db_store: Store) -> None:
    bulk, single = long_path(1), long_path(2)
    assert len(bulk.encode()) > 3600
    first = begin(db_store)
    opened = db_store.record_new(first, [NewScan(facts(bulk), [finding("1234567890")], [decision()])])
    assert [len(o.opened) for _, o in opened] == [1]
    assert db_store.record_scan(first, facts(single), [finding("2345678901")], [decision()]).opened

    stored = db_store.stored_file(HOST, bulk)
    assert stored is not None and stored.path == bulk and len(stored.findings) == 1
    index = db_store.file_index(HOST, ["/share"])
    assert set(index) == {bulk, single} and index[bulk][3] == "findings"

    # An unchanged re-sweep: every known file touched, none marked missing.
    second = begin(db_store)
    db_store.touch_unchanged(second, HOST, index)
    assert db_store.mark_missing(second, HOST, ["/share"], set(index)).closed == []
    assert _last_seen(db_store) == {bulk: second, single: second}
    # A rescan of a known long path updates its row, through either write path.
    assert db_store.record_scan(second, facts(bulk, size=7), [finding("1234567890")], [decision()]).kept
    assert db_store.record_new(second, [NewScan(facts(single, size=7), [], [])])[0][1].closed
    with Session(db_store.engine) as session:
        assert session.scalar(select(func.count()).select_from(File)) == 2

    third = begin(db_store)
    gone = db_store.mark_missing(third, HOST, ["/share"], {single})
    assert len(gone.closed) == 1
    assert db_store.stored_file(HOST, bulk) is None
    assert set(db_store.file_index(HOST, ["/share"])) == {single}
