"""Report and list formats for scripts (issue 7): stable CSV columns, JSON keys, tables."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from agent.report.formats import CSV_COLUMNS, rows, write_report
from agent.violations import LIST_COLUMNS, make_filter, parse_due, write_list

DOC = {
    "generated_at": "2026-01-01T00:00:00+00:00", "filters": {},
    "summary": {"open": 3, "past_due": 1, "oldest_days": 40, "records_exposed": 12, "files_exposing": 2},
    "by_state": {"open": 2, "acknowledged": 1}, "open_by_severity": {"high": 3}, "open_by_policy": {"p": 3},
    "open_by_zone": {"shared": 3}, "open_by_host": {"fs01": 3},
    "top_folders": [{"host": "fs01", "folder": "/srv/share/総務", "open": 3}],
    "ageing": {"0-7d": 2, "8-30d": 0, "31-90d": 1, ">90d": 0},
    "trend": [{"day": "2025-12-31", "open": 2}, {"day": "2026-01-01", "open": 3}],
    "progress": {"2026-01-01": {"acknowledged": 1}},
    "sweeps": [{"id": 4, "host": "fs01", "kind": "sweep", "started_at": "x", "finished_at": None, "roots": ["/srv"],
                "files": 100, "counts_by_outcome": {}, "problems": 2, "signed": True}],
}


def test_csv_is_long_format_with_stable_columns() -> None:
    out = io.StringIO()
    write_report(DOC, "csv", out)
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(table[0]) == CSV_COLUMNS == ("section", "key", "value")
    got = {(r["section"], r["key"]): r["value"] for r in table}
    assert got[("summary", "records_exposed")] == "12"
    assert got[("top_folders", "fs01:/srv/share/総務")] == "3"
    assert got[("trend_open", "2026-01-01")] == "3"
    assert got[("progress", "2026-01-01:acknowledged")] == "1"
    assert got[("sweep_problems", "4:fs01:sweep")] == "2"
    assert len(table) == len(list(rows(DOC)))


def test_json_round_trips_and_table_shows_numbers() -> None:
    out = io.StringIO()
    write_report(DOC, "json", out)
    assert json.loads(out.getvalue()) == DOC
    out = io.StringIO()
    write_report(DOC, "table", out)
    assert "records_exposed" in out.getvalue() and "/srv/share/総務" in out.getvalue()


def test_violation_list_csv_columns() -> None:
    out = io.StringIO()
    write_list([{"id": 1, "state": "open", "path": "/a", "masked": "never shown"}], "csv", out)
    header, first = out.getvalue().splitlines()[:2]
    assert tuple(header.split(",")) == LIST_COLUMNS
    assert first.startswith("1,open,") and "never" not in first


def test_due_dates_and_filter_states() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_due("+14d", now) == now + timedelta(days=14)
    assert parse_due("2026-03-31") == datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)
    assert parse_due(None) is None
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_due("next week")
    with pytest.raises(ValueError, match="unknown state"):
        make_filter(states=("done",))
    assert make_filter(states=("open",)).states == ("open",)
