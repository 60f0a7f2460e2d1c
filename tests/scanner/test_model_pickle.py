"""Findings cross process boundaries pickled; their hand-written __reduce__ must keep every field."""

from __future__ import annotations

import dataclasses
import pickle

from scanner.model import Finding


def test_a_finding_survives_pickling_with_every_field() -> None:
    finding = Finding("pension_number", 0.85, "ab" * 32, "1234-****90", "Sheet1!D7", "row 7",
                      ("pattern:hyphenated", "header:基礎年金番号"), occurrences=3)
    again = pickle.loads(pickle.dumps(finding, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == finding
    # A field added to Finding but not to __reduce__ would come back as its default (or fail).
    for field in dataclasses.fields(Finding):
        assert getattr(again, field.name) == getattr(finding, field.name) != field.default
