"""Collect every report section from the store's queries into one plain document."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from store import reports
from store.register_views import ViolationFilter

TREND_DAYS = 30
SWEEPS_SHOWN = 10


def build_report(store: Any, filt: ViolationFilter | None = None, *, now: datetime | None = None,
                 days: int = TREND_DAYS) -> dict[str, Any]:
    """The report document (stable keys; README "The register" lists them)."""
    filt = filt or ViolationFilter()
    now = now or datetime.now(UTC)
    with Session(store.engine) as session:
        ageing = reports.ageing(session, filt, now)
        exposed = reports.records_exposed(session, filt, now)
        by_severity = _worst_first(reports.open_by(session, "severity", filt, now))
        doc: dict[str, Any] = {
            "generated_at": now.isoformat(),
            "filters": {k: v for k, v in asdict(filt).items() if v is not None},
            "summary": {
                "open": sum(by_severity.values()),
                "past_due": ageing["past_due"],
                "oldest_days": ageing["oldest_days"],
                "records_exposed": exposed["distinct_records"],
                "files_exposing": exposed["files"],
            },
            "by_state": reports.by_state(session, filt, now),
            "open_by_severity": by_severity,
            "open_by_policy": reports.open_by(session, "policy", filt, now),
            "open_by_zone": reports.open_by(session, "zone", filt, now),
            "open_by_host": reports.open_by(session, "host", filt, now),
            "top_folders": reports.top_folders(session, filt, now),
            "ageing": ageing["buckets"],
            **reports.timeline(session, filt, now, days),
            "sweeps": reports.recent_sweeps(session, filt.host, SWEEPS_SHOWN),
        }
    return doc


_SEVERITY_ORDER = ("critical", "high", "medium", "low")


def _worst_first(counts: dict[str, int]) -> dict[str, int]:
    """Severities in the order a manager reads them, not by count."""
    rank = {s: i for i, s in enumerate(_SEVERITY_ORDER)}
    return dict(sorted(counts.items(), key=lambda kv: rank.get(kv[0], len(rank))))
