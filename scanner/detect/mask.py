"""Masked forms of values: what a report may show (1234-****90)."""

from __future__ import annotations

from functools import lru_cache

# Every ASCII letter and digit to '0' (itself alphanumeric, so no separator is taken for one):
# the result is the value's shape, shared by every value written the same way (1234-567890).
_ASCII_SHAPE = str.maketrans(dict.fromkeys(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "0"))


def mask_value(value: str, keep_first: int, keep_last: int) -> str:
    """Replace every letter or digit with '*' except the first ``keep_first`` and the last
    ``keep_last`` of them; separators stay, so the value keeps its shape."""
    if not value.isascii():
        return _mask_chars(value, keep_first, keep_last)
    # Values are mostly canonical numbers and dates: the mask is worked out once per shape.
    template, kept = _mask_template(value.translate(_ASCII_SHAPE), keep_first, keep_last)
    if not kept:
        return template
    chars = list(template)
    for i in kept:
        chars[i] = value[i]
    return "".join(chars)


@lru_cache(maxsize=4096)
def _mask_template(shape: str, keep_first: int, keep_last: int) -> tuple[str, tuple[int, ...]]:
    """The mask of an ASCII shape (letters and digits as '0') and the positions it shows."""
    keep = _kept_positions([i for i, ch in enumerate(shape) if ch == "0"], keep_first, keep_last)
    return shape.replace("0", "*"), tuple(sorted(keep))


def _mask_chars(value: str, keep_first: int, keep_last: int) -> str:
    keep = _kept_positions([i for i, ch in enumerate(value) if ch.isalnum()], keep_first, keep_last)
    return "".join(ch if i in keep or not ch.isalnum() else "*" for i, ch in enumerate(value))


def _kept_positions(positions: list[int], keep_first: int, keep_last: int) -> set[int]:
    keep = set(positions[:keep_first]) | set(positions[len(positions) - keep_last:] if keep_last else [])
    if len(keep) >= len(positions) and positions:
        keep = set()  # never show a value whole, whatever the rule says
    return keep
