"""Masked forms of values: what a report may show (1234-****90)."""

from __future__ import annotations


def mask_value(value: str, keep_first: int, keep_last: int) -> str:
    """Replace every letter or digit with '*' except the first ``keep_first`` and the last
    ``keep_last`` of them; separators stay, so the value keeps its shape."""
    positions = [i for i, ch in enumerate(value) if ch.isalnum()]
    keep = set(positions[:keep_first]) | set(positions[len(positions) - keep_last:] if keep_last else [])
    if len(keep) >= len(positions) and positions:
        keep = set()  # never show a value whole, whatever the rule says
    return "".join(ch if i in keep or not ch.isalnum() else "*" for i, ch in enumerate(value))
