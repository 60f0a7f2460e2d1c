"""Copies: files that hold most of the same pension records, wherever they are.

A file's fingerprint is the set of its pension_number value hashes (HMACs) at medium
confidence or above, as stored in ``findings`` (kept after a file is gone, so a deleted
original still links to the copy that survived). Two files are linked as copies when
their sets overlap enough: Jaccard >= 0.5 (a renamed file, a CSV re-save, a zip of it),
or at least 80% of the smaller set inside the larger (a sheet pasted into a bigger
workbook). Links are computed on demand from the value-hash index, so they are always
current and need no upkeep when files change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from .models import File, Finding, Violation

PENSION_DETECTOR = "pension_number"
MIN_CONFIDENCE = 2
JACCARD_MIN = 0.5
CONTAINMENT_MIN = 0.8
_NOT_LIVE = ("false_positive",)  # a copy judged a false positive exposes nothing


@dataclass(frozen=True)
class CopyLink:
    file_id: int
    host: str
    path: str
    present: bool
    shared: int  # records both files hold
    jaccard: float
    containment: float  # shared / size of the smaller set


def _fingerprint_query(file_id: int) -> Select[str]:
    return select(Finding.value_hash).where(
        Finding.file_id == file_id, Finding.detector == PENSION_DETECTOR, Finding.confidence >= MIN_CONFIDENCE)


def fingerprint(session: Session, file_id: int) -> set[str]:
    """The file's pension value hashes (its records, as keyed hashes)."""
    return set(session.scalars(_fingerprint_query(file_id)))


def is_copy(shared: int, size_a: int, size_b: int) -> bool:
    if shared <= 0:
        return False
    return shared / (size_a + size_b - shared) >= JACCARD_MIN or shared / min(size_a, size_b) >= CONTAINMENT_MIN


def linked_copies(session: Session, file_id: int) -> list[CopyLink]:
    """Other files (any host, present or gone) that share most of this file's records."""
    mine = _fingerprint_query(file_id).scalar_subquery()
    overlap: dict[int, int] = {fid: n for fid, n in session.execute(
        select(Finding.file_id, func.count())
        .where(Finding.detector == PENSION_DETECTOR, Finding.confidence >= MIN_CONFIDENCE,
               Finding.value_hash.in_(mine), Finding.file_id != file_id)
        .group_by(Finding.file_id))}
    if not overlap:
        return []
    size = len(fingerprint(session, file_id))
    sizes = _set_sizes(session, list(overlap))
    files = {f.id: f for f in session.scalars(select(File).where(File.id.in_(list(overlap))))}
    links = []
    for other, shared in overlap.items():
        other_size = sizes.get(other, shared)
        if is_copy(shared, size, other_size):
            f = files[other]
            links.append(CopyLink(other, f.host, f.path, f.present, shared,
                                  round(shared / (size + other_size - shared), 3),
                                  round(shared / min(size, other_size), 3)))
    return sorted(links, key=lambda link: (-link.shared, link.host, link.path))


def _set_sizes(session: Session, file_ids: list[int]) -> dict[int, int]:
    sizes: dict[int, int] = {}
    for start in range(0, len(file_ids), 500):
        chunk = file_ids[start : start + 500]
        query = (select(Finding.file_id, func.count())
                 .where(Finding.file_id.in_(chunk), Finding.detector == PENSION_DETECTOR,
                        Finding.confidence >= MIN_CONFIDENCE)
                 .group_by(Finding.file_id))
        sizes.update({fid: n for fid, n in session.execute(query)})
    return sizes


def violating_copies(session: Session, file_id: int) -> list[CopyLink]:
    """Linked copies that are still on disk and still break a policy."""
    links = [link for link in linked_copies(session, file_id) if link.present]
    if not links:
        return []
    live = set(session.scalars(
        select(Violation.file_id).where(Violation.file_id.in_([link.file_id for link in links]),
                                        Violation.closed_at.is_(None), Violation.status.not_in(_NOT_LIVE))))
    return [link for link in links if link.file_id in live]
