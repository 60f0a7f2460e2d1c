"""Two writers on one SQLite register (a sweep and the watcher) wait for each other, never fail."""

from __future__ import annotations

import threading

from store_testkit import begin, decision, facts, finding

from store import Store


def test_two_writers_on_one_sqlite_file(sqlite_url: str) -> None:
    stores = [Store.open(sqlite_url), Store.open(sqlite_url)]
    errors: list[BaseException] = []

    def write(store: Store, name: str) -> None:
        try:
            sweep = begin(store, kind="watch" if name == "w" else "sweep")
            for i in range(40):
                with store.batch():
                    for j in range(5):
                        path = f"/share/{name}/{i:03d}-{j}.csv"
                        store.record_scan(sweep, facts(path), [finding("1234567890")], [decision()])
                store.file_index("pc-0001", ["/share"])  # a read between writes (deferred snapshot)
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(s, n)) for s, n in zip(stores, "sw", strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        assert stores[0].open_violation_count() == 2 * 40 * 5
    finally:
        for store in stores:
            store.close()


def test_two_writers_creating_one_file_on_postgres(pg_url: str) -> None:
    """The watcher and a sweep meet on a new file: the second waits, then updates the row."""
    first, second = Store.open(pg_url), Store.open(pg_url)
    try:
        sweep = begin(first)
        errors: list[BaseException] = []
        started = threading.Event()

        def late_writer() -> None:
            try:
                started.set()
                second.record_scan(sweep, facts("/share/new.csv", size=222), [], [decision()])
            except BaseException as error:  # noqa: BLE001 - asserted below
                errors.append(error)

        with first.batch():
            first.record_scan(sweep, facts("/share/new.csv", size=111), [finding("1234567890")], [decision()])
            thread = threading.Thread(target=late_writer)
            thread.start()
            started.wait(5)
            thread.join(timeout=0.5)  # blocked on our uncommitted row
            assert thread.is_alive()
        thread.join(timeout=30)
        assert errors == []
        assert first.file_index("pc-0001", ["/share"])["/share/new.csv"][0] == 222
        assert first.open_violation_count() == 1
    finally:
        first.close()
        second.close()
