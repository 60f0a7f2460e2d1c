"""mask_value: the per-shape fast path masks exactly like the plain per-character rule."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scanner.detect.mask import mask_value


def reference_mask(value: str, keep_first: int, keep_last: int) -> str:
    """The original implementation, kept as the definition mask_value must match."""
    positions = [i for i, ch in enumerate(value) if ch.isalnum()]
    keep = set(positions[:keep_first]) | set(positions[len(positions) - keep_last:] if keep_last else [])
    if len(keep) >= len(positions) and positions:
        keep = set()
    return "".join(ch if i in keep or not ch.isalnum() else "*" for i, ch in enumerate(value))


values = st.one_of(
    st.text(alphabet="0123456789-/ .*_x", max_size=20),
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=20),
    st.text(max_size=20),
)
keeps = st.integers(min_value=0, max_value=14)


@given(values, keeps, keeps)
def test_detect_mask_matches_reference(value: str, keep_first: int, keep_last: int) -> None:
    assert mask_value(value, keep_first, keep_last) == reference_mask(value, keep_first, keep_last)


def test_detect_mask_known_values() -> None:
    assert mask_value("1234-567890", 4, 2) == "1234-****90"
    assert mask_value("1970-01-01", 2, 0) == "19**-**-**"
    assert mask_value("123456789018", 0, 2) == "**********18"
    assert mask_value("12", 4, 2) == "**"  # never shown whole
    assert mask_value("a*b", 0, 1) == "**b"  # a '*' in the value is a separator, not a mask
