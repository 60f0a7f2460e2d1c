"""Writing one file's facts and findings rows (no violation logic here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import File, Finding
from .records import FileFacts, FindingRow


def world_readable(exposure: dict[str, Any]) -> bool:
    """Readable by everyone: explicit flag if the exposure gives one, else any broad principal."""
    flag = exposure.get("world_readable")
    return bool(flag) if flag is not None else bool(exposure.get("broad_principals"))


def find_file(session: Session, host: str, path: str) -> File | None:
    return session.scalars(select(File).where(File.host == host, File.path == path)).one_or_none()


def upsert_file(session: Session, sweep_id: int, facts: FileFacts, now: datetime) -> tuple[File, bool]:
    """Insert or update the file row from a fresh scan; a file seen again is present again.
    Returns the row and whether it was created just now."""
    row = find_file(session, facts.host, facts.path)
    created = row is None
    if row is None:
        row = File(host=facts.host, path=facts.path, first_seen_sweep=sweep_id)
        session.add(row)
    row.zone = facts.zone
    row.size = facts.size
    row.mtime_ns = facts.mtime_ns
    row.inode = facts.inode
    row.content_hash = facts.content_hash
    row.file_type = facts.file_type
    row.outcome = facts.outcome
    row.reason = facts.reason
    row.encrypted = facts.encrypted
    row.protection = facts.protection
    row.pension_records = facts.pension_records
    row.exposure = facts.exposure
    row.world_readable = world_readable(facts.exposure)
    row.last_seen_sweep = sweep_id
    row.last_scanned_sweep = sweep_id
    row.last_scanned_at = now
    row.present = True
    row.deleted_at = None
    row.deleted_sweep = None
    session.flush()
    return row, created


@dataclass(slots=True)
class _Merged:
    row: FindingRow
    occurrences: int


def merge_findings(rows: list[FindingRow]) -> dict[tuple[str, str], _Merged]:
    """One entry per (detector, value_hash): the strongest sighting, counted."""
    merged: dict[tuple[str, str], _Merged] = {}
    for row in rows:
        key = (row.detector, row.value_hash)
        seen = merged.get(key)
        if seen is None:
            merged[key] = _Merged(row, 1)
            continue
        seen.occurrences += 1
        if (row.confidence, row.score) > (seen.row.confidence, seen.row.score):
            seen.row = row
    return merged


def replace_findings(
    session: Session, file_id: int, rows: list[FindingRow], *, known_empty: bool = False
) -> None:
    """Make the file's stored findings equal to ``rows``, touching only what changed
    (unchanged rows keep their ids, so later links to them stay valid).
    ``known_empty``: the file was just created, so there is nothing to look up."""
    wanted = merge_findings(rows)
    existing: dict[tuple[str, str], Finding] = {}
    if not known_empty:
        query = select(Finding).where(Finding.file_id == file_id)
        existing = {(f.detector, f.value_hash): f for f in session.scalars(query)}
    for key, stored in existing.items():
        if key not in wanted:
            session.delete(stored)
    for key, merged in wanted.items():
        if key in existing:
            _copy_finding(existing[key], merged)
            continue
        fresh = Finding(file_id=file_id, detector=key[0], value_hash=key[1])
        _copy_finding(fresh, merged)
        session.add(fresh)


def _copy_finding(stored: Finding, merged: _Merged) -> None:
    row = merged.row
    if not 1 <= row.confidence <= 3:
        raise ValueError(f"confidence must be 1..3, got {row.confidence} ({row.detector})")
    stored.masked = row.masked
    stored.confidence = row.confidence
    stored.score = row.score
    stored.location = row.location
    stored.record_key = row.record
    stored.occurrences = merged.occurrences
