"""How a sweep groups judged files into write transactions (agent.sweep._chunks)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import agent.sweep
from agent.sweep import _chunks


def _scan(findings: int) -> Any:
    return SimpleNamespace(findings=[None] * findings)


def _sizes(scans: list[Any], size: int = 200, seconds: float = 60.0) -> list[int]:
    pending: list[Any] = []
    return [len(chunk) for chunk in _chunks(iter(scans), size=size, seconds=seconds, pending=pending)]


def test_a_chunk_ends_at_its_file_count() -> None:
    assert _sizes([_scan(0)] * 450) == [200, 200, 50]


def test_a_chunk_of_rosters_ends_at_its_finding_count(monkeypatch) -> None:
    monkeypatch.setattr(agent.sweep, "CHUNK_FINDINGS", 1000)
    # rosters of 400 findings: a chunk is written once it holds 1,000 or more, not at 200 files
    assert _sizes([_scan(400)] * 7 + [_scan(0)] * 3) == [3, 3, 4]


def test_what_was_pending_when_a_chunk_was_taken_is_the_chunk_itself() -> None:
    pending: list[Any] = []
    chunks = _chunks(iter([_scan(1), _scan(1), _scan(1)]), size=2, seconds=60.0, pending=pending)
    first = next(chunks)
    assert first is pending and len(first) == 2
